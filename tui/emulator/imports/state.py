"""The `_snapshot_imports` table and its state machine (6.2–6.5).

uploaded ──► waiting_for_confirmation ──► in_progress ──► completed
   └──────────────► failed ◄─────────────────┘

Documents are stored with the field shapes of Convex's model: PascalCase `mode`, a `state` object,
`requestor`, `checkpoints`, `member_id` and `object_key`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeGuard

from tui.archive.ids import InvalidIdError, decode_id
from tui.emulator.deployment import system_tables
from tui.emulator.deployment.database import Database, Transaction
from tui.emulator.errors import bad_request, not_found
from tui.emulator.deployment.tables import SYSTEM_TABLE_NUMBERS

TABLE = "_snapshot_imports"
LIST_LIMIT = 20
CANCELED_MESSAGE = "Import canceled"
ERROR_PREFIX = "Hit an error while importing:\n"
# Convex's MAX_IMPORT_AGE (7 days, common/src/knobs.rs in get-convex/convex-backend), checked only when the
# worker parses (`uploaded`) or runs (`in_progress`) an import. Nothing times out an import waiting for
# confirmation, there or here: it waits until confirmed (then fails if too old) or cancelled.
MAX_IMPORT_AGE_S = 7 * 24 * 3600
TOO_OLD_MESSAGE = ERROR_PREFIX + "Import took too long. Try again or contact Convex."
CLOSING_MESSAGE = (
    "Once the import has started, it will run in the background.\nInterrupting `npx convex import` will not cancel it."
)

# HTTP `mode` (camelCase) -> stored `mode` (PascalCase).
MODES = {"requireEmpty": "RequireEmpty", "append": "Append", "replace": "Replace", "replaceAll": "ReplaceAll"}
# HTTP `format` -> stored `format.format` and the file extension the upload is kept under.
FORMATS = {"zip": "zip", "csv": "csv", "jsonLines": "jsonl", "jsonArray": "json_array"}
EXTENSIONS = {"zip": ".zip", "csv": ".csv", "jsonl": ".jsonl", "json_array": ".json"}
FORMAT_LABELS = {"csv": "CSV", "jsonl": "JSONL", "json_array": "JSON"}
ACTIVE_STATES = ("uploaded", "waiting_for_confirmation", "in_progress")
TERMINAL_STATES = ("completed", "failed")


# -- reading ----------------------------------------------------------------------------------------


def get(conn: sqlite3.Connection, import_id: str) -> dict[str, Any] | None:
    return system_tables.get(conn, TABLE, import_id)


def recent(conn: sqlite3.Connection, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """The newest imports, newest first (what `snapshotImport:list` / `queryImport:list` return)."""
    return system_tables.list_documents(conn, TABLE, newest_first=True, limit=limit)


def in_state(conn: sqlite3.Connection, state: str) -> list[dict[str, Any]]:
    """Imports in `state`, oldest first."""
    return [d for d in system_tables.list_documents(conn, TABLE, newest_first=False) if d["state"]["state"] == state]


def is_import_id(text: Any) -> TypeGuard[str]:
    try:
        number, _ = decode_id(text)
    except InvalidIdError:
        return False
    return number == SYSTEM_TABLE_NUMBERS[TABLE]


def resolve(conn: sqlite3.Connection, import_id: Any) -> dict[str, Any]:
    """The import for an id from a request: 400 `InvalidImport` for a non-id, 404 `ImportNotFound`."""
    if not isinstance(import_id, str):
        raise bad_request("InvalidImport", f"invalid import id {import_id!r}")
    try:
        number, _ = decode_id(import_id)
    except InvalidIdError:
        raise bad_request("InvalidImport", f"invalid import id {import_id}") from None
    if number != SYSTEM_TABLE_NUMBERS[TABLE]:
        raise bad_request("InvalidImport", f"invalid import id {import_id}: not an id of the _snapshot_imports table")
    document = get(conn, import_id)
    if document is None:
        raise not_found("ImportNotFound", f"import {import_id} not found")
    return document


def file_name(document: dict[str, Any]) -> str:
    return f"{document['_id']}{EXTENSIONS[document['format']['format']]}"


# -- writing ----------------------------------------------------------------------------------------


def create(
    txn: Transaction,
    *,
    format_: str,
    table: str | None,
    mode: str,
    component_path: str | None,
    now_s: float,
    on_created: Callable[[dict[str, Any]], str] | None = None,
    requestor: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new `uploaded` import. `format_` and `mode` are the stored forms; `on_created` (called inside
    the transaction) moves the uploaded file into place and returns its object key; `requestor`
    defaults to `{"type": "snapshotImport"}` (a cloud restore passes its own)."""
    stored_format: dict[str, Any] = {"format": format_}
    if format_ != "zip":
        stored_format["table"] = table
    fields = {
        "state": {"state": "uploaded"},
        "format": stored_format,
        "mode": mode,
        "component_path": component_path or None,
        "object_key": "",
        "member_id": None,
        "checkpoints": None,
        "requestor": requestor or {"type": "snapshotImport"},
    }
    document = system_tables.insert(txn, TABLE, fields, now_s=now_s)
    document["object_key"] = on_created(document) if on_created else file_name(document)
    system_tables.replace(txn, document)
    return document


def set_state(txn: Transaction, document: dict[str, Any], state: dict[str, Any], **changes: Any) -> dict[str, Any]:
    document = {**document, **changes, "state": state}
    system_tables.replace(txn, document)
    return document


def current(txn: Transaction, import_id: str, *states: str) -> dict[str, Any] | None:
    """The import as of this transaction if it is in one of `states`, else None."""
    document = get(txn.conn, import_id)
    if document is None or document["state"]["state"] not in states:
        return None
    return document


def drop_hidden_tablets(txn: Transaction, import_id: str) -> int:
    """Forget the hidden tablets an import was filling; their rows go with the next purge."""
    cur = txn.execute(
        "UPDATE tablets SET state = 'dropped', import_id = NULL WHERE state = 'hidden' AND import_id = ?",
        (import_id,),
    )
    return cur.rowcount


def fail(txn: Transaction, import_id: str, message: str) -> bool:
    """Move a non-terminal import to failed (dropping its hidden tablets); False if it already ended."""
    document = current(txn, import_id, *ACTIVE_STATES)
    drop_hidden_tablets(txn, import_id)
    if document is None:
        return False
    set_state(txn, document, {"state": "failed", "error_message": message})
    return True


def perform(db: Database, import_id: Any) -> None:
    """Confirm: waiting_for_confirmation -> in_progress, committed before this returns. Any other
    state is left alone, so confirming twice is harmless."""
    with db.write() as txn:
        document = resolve(txn.conn, import_id)
        if document["state"]["state"] != "waiting_for_confirmation":
            return
        set_state(txn, document, {"state": "in_progress", "progress_message": "Importing", "checkpoint_messages": []})


def cancel(db: Database, import_id: Any) -> None:
    with db.write() as txn:
        document = resolve(txn.conn, import_id)
        state = document["state"]["state"]
        if state not in ACTIVE_STATES:
            raise bad_request("CannotCancelImport", f"Cannot cancel an import that is {state}.")
        fail(txn, document["_id"], CANCELED_MESSAGE)


def reset_for_restart(txn: Transaction, document: dict[str, Any]) -> dict[str, Any]:
    """An interrupted `in_progress` import starts its execution over (its hidden tablets are gone)."""
    checkpoints = [{**c, "num_rows_written": 0, "tablet_id": None} for c in document.get("checkpoints") or []]
    state = {"state": "in_progress", "progress_message": "Importing", "checkpoint_messages": []}
    return set_state(txn, document, state, checkpoints=checkpoints)


# -- texts ------------------------------------------------------------------------------------------


def in_component(component: str) -> str:
    return f" in '{component}'" if component else ""


def render_changes(rows: list[tuple[str, int, int, int, str]]) -> list[str]:
    """Convex's ASCII table: `table | create | delete |` with delete as `<n> of <existing><unit>`."""
    parts = [("table", "create", "delete")]
    for name, added, deleted, existing, unit in rows:
        parts.append((name, f"{added:,}", f"{deleted:,} of {existing:,}{unit}"))
    widths = [max(len(p[i]) for p in parts) for i in range(3)]
    lines = []
    for index, (name, added_text, deleted_text) in enumerate(parts):
        lines.append(f"{name:<{widths[0]}} | {added_text:<{widths[1]}} | {deleted_text:<{widths[2]}} |")
        if index == 0:
            lines.append("-" * (widths[0] + 3 + widths[1] + 3 + widths[2] + 2))
    return lines
