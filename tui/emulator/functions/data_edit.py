"""The dashboard's data-editing functions and the value limits they enforce
(8.2). Every editing call is one transaction, so a function error rolls back all of it."""

from __future__ import annotations

from typing import Any

from tui.archive.ids import is_valid_id
from tui.emulator.deployment import audit_log
from tui.emulator.deployment import documents
from tui.emulator.deployment import file_storage
from tui.emulator.deployment.auth import WRITE_DATA
from tui.emulator.functions.args import ARRAY, COMPONENT_ID, NULL, OBJECT, STRING, check_args, component_of, user_table
from tui.emulator.functions.registry import FunctionError, system_function
from tui.emulator.deployment.tables import Tablet, count_documents, find_active

MAX_DOCUMENTS_PER_CALL = 4096
MAX_DOCUMENT_SIZE = 1 << 20
MAX_OBJECT_FIELDS = 1024
MAX_ARRAY_LENGTH = 8192
MAX_WRITES, MAX_WRITE_BYTES = 16_000, 16 << 20  # per transaction
MAX_READS = 32_000
# The dashboard's "delete this field" marker.
UNDEFINED_PLACEHOLDER = (
    "__CONVEX_PLACEHOLDER_undefined_I23atX0jcndVbFgXoQZffsih7eAqktCyFjgUuAeNBtfr3ySOljPSPSEOPFgprkdBO3zXNiGEJxmJ5"
    "ZFPc5C5qKesG80QRPvlJe8vgSxAt9feLTwxTg4PHfVwUaTEJU67FDwldWmTxp1guMPwxQ2jOuhEryTBf3mQ"
)


# -- value limits --------------------------------------------------------------------------------------
def _size(value: Any) -> int:
    """Convex's size metric; also enforces the field-count and array-length limits."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, (int, float)):
        return 9
    if isinstance(value, str):
        return 2 + len(value.encode())
    if isinstance(value, bytes):
        return 2 + len(value)
    if isinstance(value, list):
        if len(value) > MAX_ARRAY_LENGTH:
            raise FunctionError(f"Array length is too long ({len(value)} > maximum length {MAX_ARRAY_LENGTH}).")
        return 2 + sum(_size(v) for v in value)
    if len(value) > MAX_OBJECT_FIELDS:
        raise FunctionError(f"Object has too many fields ({len(value)} > maximum number {MAX_OBJECT_FIELDS}).")
    return 2 + sum(len(k) + 1 + _size(v) for k, v in value.items())


class _WriteBudget:
    """A transaction's write limits: 16 000 documents and 16 MiB."""

    def __init__(self) -> None:
        self.count = self.bytes = 0

    def charge(self, document: dict[str, Any]) -> None:
        size = _size(document)
        if size > MAX_DOCUMENT_SIZE:
            message = f"ValueTooLargeError: Value is too large ({size} bytes > maximum size {MAX_DOCUMENT_SIZE} bytes)."
            raise FunctionError(message, data=message)
        self.count += 1
        self.bytes += size
        if self.count > MAX_WRITES or self.bytes > MAX_WRITE_BYTES:
            raise FunctionError("Too many writes in a single function execution (limits: 16000 documents, 16 MiB).")


def _with_system_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """For size accounting before insert: the longest id and a Float64 creation time."""
    return {"_id": "x" * 37, "_creationTime": 0.0, **fields}


def _keep_system_fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`_id`/`_creationTime` may be sent only with their current values; returns the user fields."""
    fields = dict(new)
    for key, code in (("_id", "InvalidIdError"), ("_creationTime", "InvalidCreationTimeError")):
        if key in fields and fields.pop(key) != old[key]:
            message = f"{code}: the provided {key} does not match the document's {key}."
            raise FunctionError(message, data=message)
    return fields


def _replace_fields(txn, tablet: Tablet, old: dict[str, Any], fields: dict[str, Any], budget: _WriteBudget) -> None:
    if tablet.is_storage:
        raise FunctionError("System tables are read-only: `_storage` documents cannot be edited.")
    documents.check_fields(fields)
    document = {"_id": old["_id"], "_creationTime": old["_creationTime"], **fields}
    budget.charge(document)
    documents.write_back(txn, tablet, document)


# -- editing -------------------------------------------------------------------------------------------
@system_function("_system/frontend/addDocument", "mutation", WRITE_DATA)
def add_document(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"table": STRING, "documents": ARRAY}, COMPONENT_ID)
    new_documents = args["documents"]
    if len(new_documents) > MAX_DOCUMENTS_PER_CALL:
        return {"success": False, "error": f"Cannot import more than {MAX_DOCUMENTS_PER_CALL} documents at once."}
    budget = _WriteBudget()
    with deployment.db.write() as txn:
        component = component_of(txn.conn, args)
        new_ids = []
        for fields in new_documents:
            documents.check_fields(fields)  # before sizing: a non-object is InvalidDocumentError
            budget.charge(_with_system_fields(fields))
            new_ids.append(documents.insert(txn, component, args["table"], fields, now_s=deployment.clock.now()))
        # The new ids are returned nowhere else.
        audit_log.record_data_edit(
            txn,
            audit_log.ADD_DOCUMENTS,
            component,
            {"table": args["table"], "document_ids": new_ids},
            now_s=deployment.clock.now(),
        )
    return {"success": True}


@system_function("_system/frontend/patchDocumentsFields", "mutation", WRITE_DATA)
def patch_documents_fields(deployment, args: dict[str, Any]) -> Any:
    """Shallow-merge `fields` into each listed document (or every document of `table` without `ids`)."""
    check_args(args, {"table": STRING, "fields": OBJECT}, {"ids": ARRAY + NULL, **COMPONENT_ID})
    budget = _WriteBudget()
    with deployment.db.write() as txn:
        component = component_of(txn.conn, args)
        targets = []
        if args.get("ids") is not None:
            for doc_id in args["ids"]:  # like Convex, the ids are not checked against `table`
                found = documents.locate(txn.conn, component, doc_id) if isinstance(doc_id, str) else None
                if found is None:
                    raise FunctionError(f"Document {doc_id!r} does not exist or is not a valid document id.")
                targets.append(found)
        else:
            tablet = find_active(txn.conn, component, user_table(args["table"]))
            if tablet is not None and count_documents(txn.conn, tablet.tablet) > MAX_READS:
                raise FunctionError(f"Too many documents read in a single function execution (limit: {MAX_READS}).")
            targets = [(tablet, d) for d in documents.iter_documents(txn.conn, tablet.tablet)] if tablet else []
        for tablet, old in targets:
            fields = _keep_system_fields(old, {k: v for k, v in old.items() if k not in args["fields"]})
            for key, value in _keep_system_fields(old, args["fields"]).items():
                if value != UNDEFINED_PLACEHOLDER:
                    fields[key] = value
            _replace_fields(txn, tablet, old, fields, budget)
        audit_log.record_data_edit(
            txn,
            audit_log.UPDATE_DOCUMENTS,
            component,
            {
                "table": args["table"],
                "document_ids": [old["_id"] for _, old in targets],
            },
            now_s=deployment.clock.now(),
        )
    return {"success": True}


@system_function("_system/frontend/replaceDocument", "mutation", WRITE_DATA)
def replace_document(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"id": STRING, "document": OBJECT}, COMPONENT_ID)
    if not is_valid_id(args["id"]):
        raise FunctionError(f"Invalid argument `id`: {args['id']!r} is not a valid document id.")
    with deployment.db.write() as txn:
        component = component_of(txn.conn, args)
        found = documents.locate(txn.conn, component, args["id"])
        if found is None:
            return {"success": False, "error": "Document does not exist."}
        tablet, old = found
        _replace_fields(txn, tablet, old, _keep_system_fields(old, args["document"]), _WriteBudget())
        # The table comes from the id's table number.
        audit_log.record_data_edit(
            txn,
            audit_log.UPDATE_DOCUMENTS,
            component,
            {"table": tablet.name, "document_ids": [args["id"]]},
            now_s=deployment.clock.now(),
        )
    return {"success": True}


@system_function("_system/frontend/deleteDocuments", "mutation", WRITE_DATA)
def delete_documents(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"toDelete": ARRAY}, COMPONENT_ID)
    entries = args["toDelete"]
    if len(entries) > MAX_DOCUMENTS_PER_CALL:
        return {"success": False, "error": f"Cannot delete more than {MAX_DOCUMENTS_PER_CALL} documents at once."}
    for entry in entries:
        if not isinstance(entry, dict):
            raise FunctionError("ArgumentValidationError: each toDelete entry must be {id, tableName}.")
        check_args(entry, {"id": STRING, "tableName": STRING}, where=".toDelete[]")
    with deployment.db.write() as txn:
        component = component_of(txn.conn, args)
        by_table: dict[str, list[str]] = {}
        for entry in entries:  # `tableName` only labels audit events in Convex; it is not checked
            found = documents.locate(txn.conn, component, entry["id"])
            if found is None or found[0].is_storage:
                raise FunctionError(f"Delete on nonexistent document ID {entry['id']}")
            documents.delete(txn, component, entry["id"])
            by_table.setdefault(entry["tableName"], []).append(entry["id"])
        for table, ids in by_table.items():  # one event per distinct tableName
            audit_log.record_data_edit(
                txn,
                audit_log.DELETE_DOCUMENTS,
                component,
                {"table": table, "document_ids": ids},
                now_s=deployment.clock.now(),
            )
    return {"success": True}


@system_function("_system/frontend/fileStorageV2:deleteFiles", "mutation", WRITE_DATA)
def delete_files(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"storageIds": ARRAY}, COMPONENT_ID)
    with deployment.db.write() as txn:
        component = component_of(txn.conn, args)
        for storage_id in args["storageIds"]:
            if not isinstance(storage_id, str) or not file_storage.delete_file(txn, component, storage_id):
                raise FunctionError(f"Storage id {storage_id!r} not found.")
        audit_log.record_data_edit(
            txn,
            audit_log.DELETE_FILES,
            component,
            {"storage_ids": list(args["storageIds"])},
            now_s=deployment.clock.now(),
        )
    return None
