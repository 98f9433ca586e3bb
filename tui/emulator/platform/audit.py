"""The team audit log: written in the same transaction as the change it records."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from tui.emulator.platform.store import insert

START_MANUAL_BACKUP = "startManualCloudBackup"
DELETE_BACKUP = "deleteCloudBackup"
RESTORE_FROM_BACKUP = "restoreFromCloudBackup"
CONFIGURE_PERIODIC = "configurePeriodicBackup"
DISABLE_PERIODIC = "disablePeriodicBackup"


def record(
    conn: sqlite3.Connection,
    *,
    team_id: int,
    actor: dict[str, Any] | str,
    action: str,
    metadata: dict[str, Any],
    now_ms: int,
) -> None:
    insert(
        conn,
        "audit_log",
        {
            "team_id": team_id,
            "actor": orjson.dumps(actor).decode(),
            "action": action,
            "create_time": now_ms,
            "metadata": orjson.dumps(metadata).decode(),
        },
    )


def events(conn: sqlite3.Connection, team_id: int, *, before_id: int | None, limit: int) -> list[dict[str, Any]]:
    """Newest first; `before_id` continues a page."""
    rows = conn.execute(
        "SELECT * FROM audit_log WHERE team_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        (team_id, before_id if before_id is not None else 2**62, limit),
    ).fetchall()
    return [
        {
            "id": r["id"],
            "teamId": r["team_id"],
            "actor": orjson.loads(r["actor"]),
            "action": r["action"],
            "createTime": r["create_time"],
            "metadata": orjson.loads(r["metadata"]),
        }
        for r in rows
    ]
