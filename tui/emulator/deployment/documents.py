"""User documents: insert, read, patch, replace, delete (the dashboard's data-editing semantics)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import orjson

from tui.archive.ids import InvalidIdError, decode_id, new_id
from tui.values.field_names import field_name_problem, table_name_problem
from tui.values.encoding import export_line
from tui.emulator.deployment.database import Transaction
from tui.emulator.errors import bad_request
from tui.emulator.deployment.tables import Tablet, ensure_active, find_active_by_number

MAX_NESTING = 16


def check_fields(fields: dict[str, Any]) -> None:
    """Reject what Convex rejects for a user write: system fields, '$' names, bad nesting."""
    if not isinstance(fields, dict):
        raise bad_request("InvalidDocumentError", "Documents must be objects.")
    for key in fields:
        if key in ("_id", "_creationTime"):
            raise bad_request("InvalidIdError", f"Field {key!r} is a system field and cannot be set.")
        problem = field_name_problem(key, top_level=True)
        if problem:
            raise bad_request("InvalidDocumentError", problem)
    _check_depth(fields, 1)


def _check_depth(value: Any, depth: int) -> None:
    if depth > MAX_NESTING:
        raise bad_request("InvalidDocumentError", f"Document is too nested (more than {MAX_NESTING} levels).")
    if isinstance(value, dict):
        for key, item in value.items():
            if depth > 1:
                problem = field_name_problem(key, top_level=False)
                if problem:
                    raise bad_request("InvalidDocumentError", problem)
            _check_depth(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, depth + 1)


def insert(txn: Transaction, component: str, table: str, fields: dict[str, Any], *, now_s: float) -> str:
    problem = table_name_problem(table)
    if problem:
        raise bad_request("InvalidTableName", f"Invalid table name {table!r}: {problem}.")
    check_fields(fields)
    tablet = ensure_active(txn, component, table)
    doc_id = new_id(tablet.number, now_s)
    document = {"_id": doc_id, "_creationTime": txn.ts_ms, **fields}
    txn.execute(
        "INSERT INTO documents(tablet, id, creation_time, body) VALUES (?, ?, ?, ?)",
        (tablet.tablet, doc_id, txn.ts_ms, export_line(document)),
    )
    return doc_id


def locate(conn: sqlite3.Connection, component: str, doc_id: str) -> tuple[Tablet, dict[str, Any]] | None:
    """The active tablet and decoded document for an id, or None."""
    try:
        number, _ = decode_id(doc_id)
    except InvalidIdError:
        return None
    tablet = find_active_by_number(conn, component, number)
    if tablet is None:
        return None
    row = conn.execute("SELECT body FROM documents WHERE tablet = ? AND id = ?", (tablet.tablet, doc_id)).fetchone()
    if row is None:
        return None
    return tablet, decode_body(row[0])


def decode_body(body: bytes) -> dict[str, Any]:
    from tui.values.encoding import decode_export_document

    return decode_export_document(orjson.loads(body))


def write_back(txn: Transaction, tablet: Tablet, document: dict[str, Any]) -> None:
    txn.execute(
        "UPDATE documents SET body = ? WHERE tablet = ? AND id = ?",
        (export_line(document), tablet.tablet, document["_id"]),
    )


def delete(txn: Transaction, component: str, doc_id: str) -> bool:
    found = locate(txn.conn, component, doc_id)
    if found is None:
        return False
    txn.execute("DELETE FROM documents WHERE tablet = ? AND id = ?", (found[0].tablet, doc_id))
    return True


def iter_bodies(conn: sqlite3.Connection, tablet: int) -> Iterator[bytes]:
    """Export-JSON lines in `_id` order (what an export writes)."""
    for (body,) in conn.execute("SELECT body FROM documents WHERE tablet = ? ORDER BY id", (tablet,)):
        yield body


def iter_documents(conn: sqlite3.Connection, tablet: int) -> Iterator[dict[str, Any]]:
    for body in iter_bodies(conn, tablet):
        yield decode_body(body)
