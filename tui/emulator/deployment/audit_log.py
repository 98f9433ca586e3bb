"""The deployment audit log (`_deployment_audit_log`).

Events are written inside the transaction of the change they record, so a rolled-back change leaves no
event. `GET /api/v1/list_audit_log_events?from=<ms>` reads them oldest first.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tui.emulator.deployment import system_tables
from tui.emulator.deployment.database import Transaction

TABLE = "_deployment_audit_log"
DEFAULT_LIMIT, MAX_LIMIT = 15, 100

PAUSE_DEPLOYMENT = "pause_deployment"
UNPAUSE_DEPLOYMENT = "unpause_deployment"
ADD_DOCUMENTS = "add_documents"
UPDATE_DOCUMENTS = "update_documents"
DELETE_DOCUMENTS = "delete_documents"
DELETE_FILES = "delete_files"


def record(txn: Transaction, action: str, metadata: dict[str, Any], *, now_s: float) -> None:
    # The emulator's admin keys belong to no team member, as a self-hosted admin key does not.
    system_tables.insert(txn, TABLE, {"action": action, "member_id": None, "metadata": metadata}, now_s=now_s)


def record_data_edit(txn: Transaction, action: str, component: str, metadata: dict[str, Any], *, now_s: float) -> None:
    """Data-editing events carry the component, added by the server in Convex. The emulator names a
    component by its path, so `component_id` is null for the root and the path otherwise."""
    full = {**metadata, "component_id": component or None, "component": component or None}
    record(txn, action, full, now_s=now_s)


def page(conn: sqlite3.Connection, *, from_ms: float, cursor: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Events created at or after `from_ms`, oldest first, skipping `cursor` of them; and whether more follow."""
    events = [e for e in system_tables.list_documents(conn, TABLE, newest_first=False) if e["_creationTime"] >= from_ms]
    chosen = events[cursor : cursor + limit]
    return [_wire(e) for e in chosen], cursor + limit < len(events)


def _wire(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event["_id"],
        "createTime": int(event["_creationTime"]),
        "action": event["action"],
        "memberId": event["member_id"],
        "metadata": event["metadata"],
    }
