"""The dashboard's data-browsing functions: the table mapping, counts, one
document by id, and keyset pages of a table in creation order (cursor, row and byte caps)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from tui.emulator.deployment import documents
from tui.emulator.deployment.auth import VIEW_DATA
from tui.emulator.functions.args import COMPONENT_ID, NULL, NUMBER, OBJECT, STRING, check_args, component_of, user_table
from tui.emulator.functions.registry import FunctionError, system_function
from tui.emulator.deployment.tables import (
    STORAGE_TABLE,
    STORAGE_TABLE_NUMBER,
    Tablet,
    active_tablets,
    count_documents,
    find_active,
)

PAGE_MAX_ROWS, PAGE_MAX_BYTES = 10_000, 5_000_000  # paginatedTableDocuments overrides the caller's limits
SCHEDULED_JOBS_NUMBER = 539


@system_function("_system/frontend/getTableMapping", "query", VIEW_DATA)
def table_mapping(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {}, COMPONENT_ID)
    conn = deployment.db.connection()
    tablets = active_tablets(conn, component_of(conn, args))
    storage_number = next((t.number for t in tablets if t.is_storage), STORAGE_TABLE_NUMBER)
    mapping = {SCHEDULED_JOBS_NUMBER: "_scheduled_jobs", storage_number: "_file_storage"}
    mapping.update({t.number: t.name for t in tablets if not t.name.startswith("_")})
    return {str(number): mapping[number] for number in sorted(mapping)[:1000]}


def _count(deployment, args: dict[str, Any]) -> float:
    conn = deployment.db.connection()
    table = args["tableName"]
    if not table:
        return 0.0
    tablet = find_active(conn, component_of(conn, args), user_table(table))
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
    tablets = active_tablets(conn, component_of(conn, args))
    return float(sum(count_documents(conn, t.tablet) for t in tablets if not t.name.startswith("_")))


@system_function("_system/cli/tables", "query", VIEW_DATA)
def cli_tables(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"paginationOpts": OBJECT})
    names = sorted(t.name for t in active_tablets(deployment.db.connection(), "") if not t.name.startswith("_"))
    return {"page": [{"name": name} for name in names], "isDone": True, "continueCursor": "end"}


def _storage_document(stored: dict[str, Any]) -> dict[str, Any]:
    """A `_storage` row as the virtual `_storage` table shows it (no internal id)."""
    document: dict[str, Any] = {k: stored[k] for k in ("_id", "_creationTime", "sha256") if k in stored}
    document["size"] = float(stored.get("size", 0))
    if stored.get("contentType") is not None:
        document["contentType"] = stored["contentType"]
    return document


@system_function("_system/frontend/getById", "query", VIEW_DATA)
def get_by_id(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"id": STRING}, COMPONENT_ID)
    conn = deployment.db.connection()
    found = documents.locate(conn, component_of(conn, args), args["id"])
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
    where = "tablet = ?"
    params: list[float | int] = [tablet]
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
    page: list[dict[str, Any]] = []
    read_bytes = 0
    for creation_time, rowid, body in rows[:wanted]:
        if page and read_bytes + len(body) > PAGE_MAX_BYTES:
            break
        document = documents.decode_body(body)
        page.append(_storage_document(document) if tablet is not None and tablet.is_storage else document)
        read_bytes += len(body)
        position = (creation_time, rowid)
    return {"page": page, "isDone": len(rows) == len(page), "continueCursor": _encode_cursor(position)}


@system_function("_system/frontend/paginatedTableDocuments", "query", VIEW_DATA)
def paginated_table_documents(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {"table": STRING, "paginationOpts": OBJECT}, {"filters": STRING + NULL, **COMPONENT_ID})
    conn = deployment.db.connection()
    component = component_of(conn, args)
    newest_first, lookup_id = _decode_filters(args.get("filters"))
    tablet = find_active(conn, component, user_table(args["table"]))
    if lookup_id is not None:
        found = documents.locate(conn, component, lookup_id) if tablet else None
        page = [found[1]] if found and tablet is not None and found[0].tablet == tablet.tablet else []
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
        user_table(table)
    conn = deployment.db.connection()
    tablet = find_active(conn, "", table) if table != "_scheduled_functions" else None
    return _paginate(conn, tablet, args.get("order", "desc") == "desc", args["paginationOpts"])


@system_function("_system/frontend/fileStorageV2:numFiles", "query", VIEW_DATA)
def num_files(deployment, args: dict[str, Any]) -> Any:
    check_args(args, {}, COMPONENT_ID)
    conn = deployment.db.connection()
    tablet = find_active(conn, component_of(conn, args), STORAGE_TABLE)
    return float(count_documents(conn, tablet.tablet)) if tablet else 0.0
