"""The dashboard's data functions (data-and-functions 4 and 5): list, count, page, read and edit user
tables and files. Every editing call is one transaction, so a function error rolls back all of it.

`check_args` (a small stand-in for Convex's argument validators) is shared with env_functions.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from tui.archive.ids import is_valid_id
from tui.emulator import documents, file_storage
from tui.emulator.auth import VIEW_DATA, WRITE_DATA
from tui.emulator.functions import FunctionError, system_function
from tui.emulator.tables import (
    STORAGE_TABLE,
    STORAGE_TABLE_NUMBER,
    Tablet,
    active_tablets,
    components,
    count_documents,
    find_active,
)

STRING, NUMBER, OBJECT, ARRAY, NULL = (str,), (float,), (dict,), (list,), (type(None),)
COMPONENT_ID = {"componentId": STRING + NULL}
MAX_DOCUMENTS_PER_CALL = 4096
MAX_DOCUMENT_SIZE = 1 << 20
MAX_OBJECT_FIELDS = 1024
MAX_ARRAY_LENGTH = 8192
MAX_WRITES, MAX_WRITE_BYTES = 16_000, 16 << 20  # per transaction
MAX_READS = 32_000
PAGE_MAX_ROWS, PAGE_MAX_BYTES = 10_000, 5_000_000  # paginatedTableDocuments overrides the caller's limits
SCHEDULED_JOBS_NUMBER = 539
# The dashboard's "delete this field" marker (data-and-functions 4.4).
UNDEFINED_PLACEHOLDER = (
    "__CONVEX_PLACEHOLDER_undefined_I23atX0jcndVbFgXoQZffsih7eAqktCyFjgUuAeNBtfr3ySOljPSPSEOPFgprkdBO3zXNiGEJxmJ5"
    "ZFPc5C5qKesG80QRPvlJe8vgSxAt9feLTwxTg4PHfVwUaTEJU67FDwldWmTxp1guMPwxQ2jOuhEryTBf3mQ"
)
_KIND_NAMES = {str: "v.string()", float: "v.number()", dict: "v.object()", list: "v.array()", type(None): "v.null()"}


# -- argument validation -----------------------------------------------------------------------------
def check_args(
    args: dict[str, Any], required: dict[str, tuple], optional: dict[str, tuple] | None = None, *, where: str = ""
) -> None:
    """Reject missing, extra and mistyped fields as Convex validators do (values are never quoted).

    `where` prefixes paths for nested objects, e.g. ".paginationOpts".
    """
    optional = optional or {}
    for name in args:
        if name not in required and name not in optional:
            raise FunctionError(
                f"ArgumentValidationError: Object contains extra field `{name}` that is not in the validator.\n"
                f"Path: {where or '.'}"
            )
    for name in required:
        if name not in args:
            raise FunctionError(
                f"ArgumentValidationError: Object is missing the required field `{name}`.\nPath: {where or '.'}"
            )
    for name, kinds in {**required, **optional}.items():
        # isinstance is exact enough: bool is not a float, and an Int64 (int) is not a v.number().
        if name in args and not isinstance(args[name], kinds):
            expected = " | ".join(_KIND_NAMES[k] for k in kinds)
            raise FunctionError(
                f"ArgumentValidationError: Value does not match validator.\nPath: {where}.{name}\n"
                f"Validator: {expected}"
            )


def _component(conn, args: dict[str, Any]) -> str:
    """The emulator has no `_components` table: a component is named by its path ('' is the root)."""
    component_id = args.get("componentId")
    if component_id is None:
        return ""
    if component_id in components(conn):
        return component_id
    raise FunctionError(f"Component {component_id!r} not found.")


def _user_table(name: str) -> str:
    if name.startswith("_"):
        raise FunctionError(f"Table {name!r} is a system table; these functions only read and write user tables.")
    return name


# -- value limits (data-and-functions 8.2) -------------------------------------------------------------
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


# -- browsing ------------------------------------------------------------------------------------------
@system_function("_system/frontend/getTableMapping", "query", VIEW_DATA)
def table_mapping(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {}, COMPONENT_ID)
    conn = deployment.db.connection()
    tablets = active_tablets(conn, _component(conn, args))
    storage_number = next((t.number for t in tablets if t.is_storage), STORAGE_TABLE_NUMBER)
    mapping = {SCHEDULED_JOBS_NUMBER: "_scheduled_jobs", storage_number: "_file_storage"}
    mapping.update({t.number: t.name for t in tablets if not t.name.startswith("_")})
    return {str(number): mapping[number] for number in sorted(mapping)[:1000]}


def _count(deployment, args: dict[str, Any]) -> float:
    conn = deployment.db.connection()
    table = args["tableName"]
    if not table:
        return 0.0
    tablet = find_active(conn, _component(conn, args), _user_table(table))
    return float(count_documents(conn, tablet.tablet)) if tablet else 0.0


@system_function("_system/frontend/tableSize", "query", VIEW_DATA)
def table_size(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"tableName": STRING}, COMPONENT_ID)
    return _count(deployment, args)


@system_function("_system/cli/tableSize", "query", VIEW_DATA)
def cli_table_size(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"tableName": STRING})
    return _count(deployment, args)


@system_function("_system/frontend/tableSize:sizeOfAllTables", "query", VIEW_DATA)
def size_of_all_tables(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {}, COMPONENT_ID)
    conn = deployment.db.connection()
    tablets = active_tablets(conn, _component(conn, args))
    return float(sum(count_documents(conn, t.tablet) for t in tablets if not t.name.startswith("_")))


@system_function("_system/cli/tables", "query", VIEW_DATA)
def cli_tables(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"paginationOpts": OBJECT})
    names = sorted(t.name for t in active_tablets(deployment.db.connection(), "") if not t.name.startswith("_"))
    return {"page": [{"name": name} for name in names], "isDone": True, "continueCursor": "end"}


def _storage_document(stored: dict[str, Any]) -> dict[str, Any]:
    """A `_storage` row as the virtual `_storage` table shows it (no internal id)."""
    document = {k: stored[k] for k in ("_id", "_creationTime", "sha256") if k in stored}
    document["size"] = float(stored.get("size", 0))
    if stored.get("contentType") is not None:
        document["contentType"] = stored["contentType"]
    return document


@system_function("_system/frontend/getById", "query", VIEW_DATA)
def get_by_id(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"id": STRING}, COMPONENT_ID)
    conn = deployment.db.connection()
    found = documents.locate(conn, _component(conn, args), args["id"])
    if found is None:
        return None
    tablet, document = found
    return _storage_document(document) if tablet.is_storage else document


def _unbase64(text: str) -> bytes:
    """URL-safe or standard alphabet, padded or not (the dashboard sends URL-safe without padding)."""
    text = text.rstrip("=").replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _decode_filters(filters: str | None) -> tuple[bool, str | None]:
    """(newest first?, an `_id` to look up directly). Only `order` and the `_id` shortcut are supported."""
    if filters is None:
        return True, None
    try:
        expression = orjson.loads(_unbase64(filters))
    except (binascii.Error, ValueError):
        raise FunctionError("Invalid filters: not base64-encoded JSON.") from None
    if not isinstance(expression, dict) or not isinstance(expression.get("clauses"), list):
        raise FunctionError("Invalid filters: expected an object with a `clauses` array.")
    order = expression.get("order", "desc")
    if order not in ("asc", "desc"):
        raise FunctionError(f"Invalid filters: order must be 'asc' or 'desc', not {order!r}.")
    clauses = [c for c in expression["clauses"] if isinstance(c, dict) and c.get("field") and c.get("enabled", True)]
    index = expression.get("index")
    if index is None and len(clauses) == 1 and clauses[0].get("op") == "eq" and clauses[0]["field"] == "_id":
        value = clauses[0].get("value")
        return order == "desc", value if isinstance(value, str) else ""
    if clauses or index is not None:
        raise FunctionError("The emulator does not support filter clauses or index selections yet (only `order`).")
    return order == "desc", None


def _encode_cursor(position: tuple[float, int] | None) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(position)).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, int] | None:
    try:
        position = orjson.loads(_unbase64(cursor))
    except (binascii.Error, ValueError):
        raise FunctionError("Invalid cursor: it was not returned by this function.") from None
    if position is None:
        return None
    if not (isinstance(position, list) and len(position) == 2 and isinstance(position[1], int)):
        raise FunctionError("Invalid cursor: it was not returned by this function.")
    return float(position[0]), position[1]


def _page_rows(conn, tablet: int, newest_first: bool, after: tuple[float, int] | None, limit: int) -> list[tuple]:
    """Keyset pagination on (creation time, insertion order); `after` is the last row already returned."""
    order, compare = ("DESC", "<") if newest_first else ("ASC", ">")
    where, params = "tablet = ?", [tablet]
    if after is not None:
        where += f" AND (creation_time {compare} ? OR (creation_time = ? AND rowid {compare} ?))"
        params += [after[0], after[0], after[1]]
    return conn.execute(
        f"SELECT creation_time, rowid, body FROM documents WHERE {where} "
        f"ORDER BY creation_time {order}, rowid {order} LIMIT ?",
        (*params, limit),
    ).fetchall()


PAGINATION_OPTS = (
    {"numItems": NUMBER, "cursor": STRING + NULL},
    {"endCursor": STRING + NULL, "id": NUMBER, "maximumRowsRead": NUMBER, "maximumBytesRead": NUMBER},
)


def _paginate(conn, tablet: Tablet | None, newest_first: bool, options: dict[str, Any]) -> dict[str, Any]:
    """One page in creation order, cut at `numItems` or at the row/byte caps (a short page is not the end)."""
    check_args(options, *PAGINATION_OPTS, where=".paginationOpts")
    if options["numItems"] < 0:
        raise FunctionError("paginationOpts.numItems must be at least 0.")
    position = _decode_cursor(options["cursor"]) if options["cursor"] is not None else None
    wanted = min(int(options["numItems"]), PAGE_MAX_ROWS)
    rows = _page_rows(conn, tablet.tablet, newest_first, position, wanted + 1) if tablet else []
    page, read_bytes = [], 0
    for creation_time, rowid, body in rows[:wanted]:
        if page and read_bytes + len(body) > PAGE_MAX_BYTES:
            break
        document = documents.decode_body(body)
        page.append(_storage_document(document) if tablet.is_storage else document)
        read_bytes += len(body)
        position = (creation_time, rowid)
    return {"page": page, "isDone": len(rows) == len(page), "continueCursor": _encode_cursor(position)}


@system_function("_system/frontend/paginatedTableDocuments", "query", VIEW_DATA)
def paginated_table_documents(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"table": STRING, "paginationOpts": OBJECT}, {"filters": STRING + NULL, **COMPONENT_ID})
    conn = deployment.db.connection()
    component = _component(conn, args)
    newest_first, lookup_id = _decode_filters(args.get("filters"))
    tablet = find_active(conn, component, _user_table(args["table"]))
    if lookup_id is not None:
        found = documents.locate(conn, component, lookup_id) if tablet else None
        page = [found[1]] if found and found[0].tablet == tablet.tablet else []
        return {"page": page, "isDone": True, "continueCursor": _encode_cursor(None)}
    return {**_paginate(conn, tablet, newest_first, args["paginationOpts"]), "splitCursor": None, "pageStatus": None}


@system_function("_system/cli/tableData", "query", VIEW_DATA)
def cli_table_data(deployment, args: dict[str, Any]) -> Any:
    """What `npx convex data` reads: root tables, including the virtual `_storage` (no scheduled jobs here)."""
    check_args(args, {"table": STRING, "paginationOpts": OBJECT}, {"order": STRING})
    if args.get("order", "desc") not in ("asc", "desc"):
        raise FunctionError("ArgumentValidationError: Value does not match validator.\nPath: .order")
    table = args["table"]
    if table.startswith("_") and table not in (STORAGE_TABLE, "_scheduled_functions"):
        _user_table(table)
    conn = deployment.db.connection()
    tablet = find_active(conn, "", table) if table != "_scheduled_functions" else None
    return _paginate(conn, tablet, args.get("order", "desc") == "desc", args["paginationOpts"])


@system_function("_system/frontend/fileStorageV2:numFiles", "query", VIEW_DATA)
def num_files(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {}, COMPONENT_ID)
    conn = deployment.db.connection()
    tablet = find_active(conn, _component(conn, args), STORAGE_TABLE)
    return float(count_documents(conn, tablet.tablet)) if tablet else 0.0


# -- editing -------------------------------------------------------------------------------------------
@system_function("_system/frontend/addDocument", "mutation", WRITE_DATA)
def add_document(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"table": STRING, "documents": ARRAY}, COMPONENT_ID)
    new_documents = args["documents"]
    if len(new_documents) > MAX_DOCUMENTS_PER_CALL:
        return {"success": False, "error": f"Cannot import more than {MAX_DOCUMENTS_PER_CALL} documents at once."}
    budget = _WriteBudget()
    with deployment.db.write() as txn:
        component = _component(txn.conn, args)
        for fields in new_documents:
            documents.check_fields(fields)  # before sizing: a non-object is InvalidDocumentError
            budget.charge(_with_system_fields(fields))
            documents.insert(txn, component, args["table"], fields, now_s=deployment.clock.now())
    return {"success": True}


@system_function("_system/frontend/patchDocumentsFields", "mutation", WRITE_DATA)
def patch_documents_fields(deployment, args: dict[str, Any]) -> Any:
    """Shallow-merge `fields` into each listed document (or every document of `table` without `ids`)."""
    check_args(args, {"table": STRING, "fields": OBJECT}, {"ids": ARRAY + NULL, **COMPONENT_ID})
    budget = _WriteBudget()
    with deployment.db.write() as txn:
        component = _component(txn.conn, args)
        targets = []
        if args.get("ids") is not None:
            for doc_id in args["ids"]:  # like Convex, the ids are not checked against `table`
                found = documents.locate(txn.conn, component, doc_id) if isinstance(doc_id, str) else None
                if found is None:
                    raise FunctionError(f"Document {doc_id!r} does not exist or is not a valid document id.")
                targets.append(found)
        else:
            tablet = find_active(txn.conn, component, _user_table(args["table"]))
            if tablet is not None and count_documents(txn.conn, tablet.tablet) > MAX_READS:
                raise FunctionError(f"Too many documents read in a single function execution (limit: {MAX_READS}).")
            targets = [(tablet, d) for d in documents.iter_documents(txn.conn, tablet.tablet)] if tablet else []
        for tablet, old in targets:
            fields = _keep_system_fields(old, {k: v for k, v in old.items() if k not in args["fields"]})
            for key, value in _keep_system_fields(old, args["fields"]).items():
                if value != UNDEFINED_PLACEHOLDER:
                    fields[key] = value
            _replace_fields(txn, tablet, old, fields, budget)
    return {"success": True}


@system_function("_system/frontend/replaceDocument", "mutation", WRITE_DATA)
def replace_document(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"id": STRING, "document": OBJECT}, COMPONENT_ID)
    if not is_valid_id(args["id"]):
        raise FunctionError(f"Invalid argument `id`: {args['id']!r} is not a valid document id.")
    with deployment.db.write() as txn:
        found = documents.locate(txn.conn, _component(txn.conn, args), args["id"])
        if found is None:
            return {"success": False, "error": "Document does not exist."}
        tablet, old = found
        _replace_fields(txn, tablet, old, _keep_system_fields(old, args["document"]), _WriteBudget())
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
        component = _component(txn.conn, args)
        for entry in entries:  # `tableName` only labels audit events in Convex; it is not checked
            found = documents.locate(txn.conn, component, entry["id"])
            if found is None or found[0].is_storage:
                raise FunctionError(f"Delete on nonexistent document ID {entry['id']}")
            documents.delete(txn, component, entry["id"])
    return {"success": True}


@system_function("_system/frontend/fileStorageV2:deleteFiles", "mutation", WRITE_DATA)
def delete_files(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"storageIds": ARRAY}, COMPONENT_ID)
    with deployment.db.write() as txn:
        component = _component(txn.conn, args)
        for storage_id in args["storageIds"]:
            if not isinstance(storage_id, str) or not file_storage.delete_file(txn, component, storage_id):
                raise FunctionError(f"Storage id {storage_id!r} not found.")
    return None
