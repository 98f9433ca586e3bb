"""The `_exports` table and its state machine (5.1–5.4)."""

from __future__ import annotations

import sqlite3
from typing import Any

from tui.archive.ids import InvalidIdError, decode_id
from tui.emulator.deployment import system_tables
from tui.emulator.deployment.database import Database, Transaction
from tui.emulator.errors import bad_request, internal, not_found
from tui.emulator.deployment.tables import SYSTEM_TABLE_NUMBERS

TABLE = "_exports"
DEFAULT_RETENTION_NS = 14 * 24 * 3600 * 10**9
MAX_EXPIRATION_NS = 60 * 24 * 3600 * 10**9
PENDING = ("requested", "in_progress")
SNAPSHOT_EXPORT = "snapshotExport"
CLOUD_BACKUP = "cloudBackup"


def all_exports(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return system_tables.list_documents(conn, TABLE)


def pending(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [e for e in system_tables.list_documents(conn, TABLE, newest_first=False) if e["state"] in PENDING]


def latest(conn: sqlite3.Connection, requestor: str) -> dict[str, Any] | None:
    for export in all_exports(conn):
        if export["requestor"] == requestor:
            return export
    return None


def get(conn: sqlite3.Connection, export_id: str) -> dict[str, Any] | None:
    return system_tables.get(conn, TABLE, export_id)


def request(
    db: Database,
    *,
    include_storage: bool,
    requestor: str = SNAPSHOT_EXPORT,
    expiration_ts: int | None = None,
    component: str | None = None,
) -> dict[str, Any]:
    """A new `requested` export, committed before this returns (the CLI reads it straight after)."""
    with db.write() as txn:
        if pending(txn.conn):
            raise bad_request(
                "ExportInProgress", "There is already an export requested or in progress. Only one can run at a time."
            )
        if expiration_ts is None:
            expiration_ts = txn.ts + DEFAULT_RETENTION_NS
        elif expiration_ts < txn.ts:
            raise bad_request("SnapshotExpirationInPast", "The snapshot expiration time is in the past.")
        elif expiration_ts > txn.ts + MAX_EXPIRATION_NS:
            raise bad_request("SnapshotExpirationTooLarge", "The snapshot expiration is more than 60 days away.")
        return system_tables.insert(
            txn,
            TABLE,
            {
                "state": "requested",
                "format": {"format": "zip", "include_storage": include_storage},
                "component": component,
                "requestor": requestor,
                "expiration_ts": expiration_ts,
            },
            now_s=db.clock.now(),
        )


def _existing(txn: Transaction, export_id: str) -> dict[str, Any]:
    try:
        number, _ = decode_id(export_id)
    except InvalidIdError:
        raise internal(f"Invalid snapshot id {export_id!r}.") from None  # Convex answers 500 here
    export = get(txn.conn, export_id) if number == SYSTEM_TABLE_NUMBERS[TABLE] else None
    if export is None:
        raise internal(f"Export {export_id} not found.")
    return export


def cancel(db: Database, export_id: str) -> dict[str, Any]:
    with db.write() as txn:
        export = _existing(txn, export_id)
        if export["state"] not in PENDING:
            raise internal(f"Cannot cancel an export in state {export['state']}.")
        start_ts = export.get("start_ts")
        export = {
            "_id": export["_id"],
            "_creationTime": export["_creationTime"],
            "state": "canceled",
            "format": export["format"],
            "component": export.get("component"),
            "requestor": export["requestor"],
            "start_ts": start_ts,
            "canceled_ts": txn.ts,
        }
        system_tables.replace(txn, export)
        return export


def set_expiration(db: Database, export_id: str, expiration_ts: int) -> dict[str, Any]:
    with db.write() as txn:
        export = _existing(txn, export_id)
        if export["state"] != "completed":
            raise internal(f"Cannot change the expiration of an export in state {export['state']}.")
        export["expiration_ts"] = int(expiration_ts)
        system_tables.replace(txn, export)
        return export


def find_for_download(conn: sqlite3.Connection, key: str) -> dict[str, Any]:
    """By `_exports` id (the dashboard's link) or by completed `start_ts` (the CLI's)."""
    export = None
    try:
        number, _ = decode_id(key)
        if number == SYSTEM_TABLE_NUMBERS[TABLE]:
            export = get(conn, key)
    except InvalidIdError:
        if not key.isdigit():
            raise bad_request("BadSnapshotId", f"{key!r} is neither an export id nor a snapshot timestamp.") from None
        ts = int(key)
        export = next(
            (e for e in all_exports(conn) if e["state"] == "completed" and e.get("start_ts") == ts),
            None,
        )
    if export is None:
        raise not_found("ExportNotFound", f"No export found for {key}.")
    if export["state"] != "completed":
        raise bad_request("ExportNotComplete", f"The export {key} is {export['state']}, not completed.")
    return export
