"""System tables kept outside the tablet mapping (`_exports`, `_snapshot_imports`, env vars, audit log)."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from tui.archive.ids import new_id
from tui.values.encoding import decode_export_value, encode_export_value
from tui.emulator.deployment.database import Transaction
from tui.emulator.deployment.tables import SYSTEM_TABLE_NUMBERS


def _dump(fields: dict[str, Any]) -> str:
    return orjson.dumps(encode_export_value(fields)).decode()


def _load(row: tuple) -> dict[str, Any]:
    doc_id, creation_time, body = row
    return {"_id": doc_id, "_creationTime": creation_time, **decode_export_value(orjson.loads(body))}


def insert(txn: Transaction, table: str, fields: dict[str, Any], *, now_s: float) -> dict[str, Any]:
    doc_id = new_id(SYSTEM_TABLE_NUMBERS[table], now_s)
    txn.execute(
        "INSERT INTO system_documents(table_name, id, creation_time, body) VALUES (?, ?, ?, ?)",
        (table, doc_id, txn.ts_ms, _dump(fields)),
    )
    return {"_id": doc_id, "_creationTime": txn.ts_ms, **fields}


def replace(txn: Transaction, document: dict[str, Any]) -> None:
    fields = {k: v for k, v in document.items() if k not in ("_id", "_creationTime")}
    txn.execute("UPDATE system_documents SET body = ? WHERE id = ?", (_dump(fields), document["_id"]))


def delete(txn: Transaction, doc_id: str) -> None:
    txn.execute("DELETE FROM system_documents WHERE id = ?", (doc_id,))


def get(conn: sqlite3.Connection, table: str, doc_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT id, creation_time, body FROM system_documents WHERE table_name = ? AND id = ?", (table, doc_id)
    ).fetchone()
    return _load(row) if row else None


def list_documents(conn: sqlite3.Connection, table: str, *, newest_first: bool = True, limit: int = -1) -> list[dict]:
    order = "DESC" if newest_first else "ASC"
    rows = conn.execute(
        f"SELECT id, creation_time, body FROM system_documents WHERE table_name = ? "
        f"ORDER BY creation_time {order}, rowid {order} LIMIT ?",  # rowid: insertion order within a commit
        (table, limit),
    ).fetchall()
    return [_load(r) for r in rows]
