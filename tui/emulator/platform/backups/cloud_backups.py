"""Cloud backups: the rules for requesting, listing, canceling and deleting.

A backup is a row in the platform store; its bytes are an `_exports` row (requestor `cloudBackup`) and
ZIP on the source deployment. The tracker (tracker.py) moves rows along as the export does:

    requested ──► inProgress ──► complete
        │             │  └─────► failed      (export gone, or not done within BACKUP_TIMEOUT_MS)
        └─────────────┴────────► canceled

`requested` means "no export yet": the deployment's one export slot is busy (a CLI snapshot export is
running), and the backup waits there until the slot frees. `snapshotId` is set with `inProgress`.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from tui.emulator.exports import state as exports
from tui.emulator.errors import ConvexError, bad_request, not_found
from tui.emulator.platform import audit, directory, models, plans
from tui.emulator.platform.access.bearer_auth import Principal
from tui.emulator.platform.store import insert

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform

PENDING = ("requested", "inProgress")
TERMINAL = ("complete", "failed", "canceled")
DAY_MS = 24 * 3600 * 1000
MANUAL_RETENTION_MS = 7 * DAY_MS
BACKUP_TIMEOUT_MS = DAY_MS  # a backup not complete a day after its request is failed
VISIBLE = "deleted_time IS NULL AND NOT (state IN ('complete', 'failed', 'canceled') AND expiration_time <= :now)"


def _dicts(rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


# -- reading ----------------------------------------------------------------------------------------


def list_visible(conn: sqlite3.Connection, deployment_id: int, now_ms: int) -> list[dict[str, Any]]:
    """The deployment's backups, newest first, without deleted or expired ones."""
    rows = conn.execute(
        f"SELECT * FROM cloud_backups WHERE deployment_id = :d AND {VISIBLE} ORDER BY id DESC",
        {"d": deployment_id, "now": now_ms},
    ).fetchall()
    return _dicts(rows)


def get_visible(conn: sqlite3.Connection, backup_id: int, now_ms: int) -> dict[str, Any] | None:
    row = conn.execute(
        f"SELECT * FROM cloud_backups WHERE id = :id AND {VISIBLE}", {"id": backup_id, "now": now_ms}
    ).fetchone()
    return dict(row) if row else None


def pending(conn: sqlite3.Connection, deployment_id: int | None = None) -> list[dict[str, Any]]:
    """Requested or in-progress backups, oldest first (of one deployment, or of all)."""
    if deployment_id is None:
        rows = conn.execute("SELECT * FROM cloud_backups WHERE state IN ('requested', 'inProgress') ORDER BY id")
    else:
        rows = conn.execute(
            "SELECT * FROM cloud_backups WHERE deployment_id = ? AND state IN ('requested', 'inProgress') ORDER BY id",
            (deployment_id,),
        )
    return _dicts(rows.fetchall())


def not_found_error(backup_id: Any) -> ConvexError:
    return not_found("CloudBackupNotFound", f"Cloud backup {backup_id} not found.")


def visible_backup(platform: Platform, principal: Principal, backup_id: int) -> tuple[dict, dict]:
    """The backup and its source deployment row, if the caller's teams own it (404 otherwise)."""
    conn = platform.store.conn()
    backup = get_visible(conn, backup_id, platform.clock.now_ms())
    source = directory.deployment(conn, backup["deployment_id"]) if backup else None
    if backup is None or source is None or directory.team_id_of_deployment(conn, source) not in principal.team_ids:
        raise not_found_error(backup_id)
    return backup, source


def response(platform: Platform, backup: dict[str, Any], source_name: str | None = None) -> dict[str, Any]:
    if source_name is None:
        source_name = directory.existing_deployment(platform.store.conn(), backup["deployment_id"])["name"]
    return models.cloud_backup_response(backup, source_name)


# -- creating ---------------------------------------------------------------------------------------


def create(
    conn: sqlite3.Connection,
    deployment_row: dict[str, Any],
    *,
    kind: str,
    include_storage: bool,
    now_ms: int,
    expiration_ms: int,
) -> dict[str, Any]:
    """A new `requested` backup, inside the caller's transaction; raises when the rules forbid it."""
    name = deployment_row["name"]
    if pending(conn, deployment_row["id"]):
        raise bad_request(
            "BackupInProgress",
            f"A backup of {name} is already requested or in progress. Wait for it to finish, or cancel it.",
        )
    team = directory.existing_team(conn, directory.team_id_of_deployment(conn, deployment_row))
    plan = plans.plan_of(team["plan"])
    kept = conn.execute(
        f"SELECT COUNT(*) FROM cloud_backups WHERE deployment_id = :d AND state IN ('requested', 'inProgress', "
        f"'complete') AND {VISIBLE}",
        {"d": deployment_row["id"], "now": now_ms},
    ).fetchone()[0]
    if kept >= plan.max_cloud_backups:
        raise bad_request(
            "CloudBackupLimitReached",
            f"The {plan.display_name} plan keeps at most {plan.max_cloud_backups} backups per deployment. "
            f"Delete one first ({name} has {kept}).",
        )
    values = {
        "deployment_id": deployment_row["id"],
        "kind": kind,
        "state": "requested",
        "snapshot_id": None,
        "include_storage": int(include_storage),
        "requested_time": now_ms,
        "completed_time": None,
        "expiration_time": expiration_ms,
        "failure": None,
        "deleted_time": None,
        "purged": 0,
    }
    backup_id = insert(conn, "cloud_backups", values)
    return {"id": backup_id, **values}


def request(platform: Platform, principal: Principal, deployment_row: dict[str, Any], include_storage: bool) -> dict:
    """`request_cloud_backup`: a manual backup, kept 7 days."""
    now = platform.clock.now_ms()
    with platform.lock, platform.store.write() as conn:
        backup = create(
            conn,
            deployment_row,
            kind="manual",
            include_storage=include_storage,
            now_ms=now,
            expiration_ms=now + MANUAL_RETENTION_MS,
        )
        audit.record(
            conn,
            team_id=directory.team_id_of_deployment(conn, deployment_row),
            actor=principal.actor(),
            action=audit.START_MANUAL_BACKUP,
            now_ms=now,
            metadata={"current": models.cloud_backup_response(backup, deployment_row["name"])},
        )
    platform.tracker.poke(deployment_row["name"])
    return backup


# -- changing ---------------------------------------------------------------------------------------


def set_state(conn: sqlite3.Connection, backup_id: int, state: str, *, expect: tuple[str, ...], **fields: Any) -> bool:
    """Move a backup to `state` if it is still in one of `expect`; False when it moved on meanwhile."""
    sets = ", ".join(["state = :state", *(f"{k} = :{k}" for k in fields)])
    marks = ", ".join(f"'{s}'" for s in expect)
    cur = conn.execute(
        f"UPDATE cloud_backups SET {sets} WHERE id = :id AND state IN ({marks})",
        {"state": state, "id": backup_id, **fields},
    )
    return cur.rowcount == 1


def cancel(platform: Platform, backup: dict[str, Any], source: dict[str, Any]) -> None:
    """Only requested/inProgress backups can be canceled; an in-progress one cancels its export."""
    with platform.lock:
        row = platform.store.one("SELECT * FROM cloud_backups WHERE id = ?", (backup["id"],))
        current = directory.existing(dict(row) if row is not None else None, f"cloud backup {backup['id']}")
        if current["state"] not in PENDING:
            raise bad_request(
                "CannotCancelBackup",
                f"Cloud backup {backup['id']} is {current['state']}; only requested or in-progress backups "
                "can be canceled.",
            )
        deployment = platform.deployments.get(source["name"])
        if current["snapshot_id"] and deployment is not None:
            export = exports.get(deployment.db.connection(), current["snapshot_id"])
            if export is not None and export["state"] in exports.PENDING:
                try:
                    exports.cancel(deployment.db, current["snapshot_id"])
                except ConvexError:
                    export = exports.get(deployment.db.connection(), current["snapshot_id"])
            if export is not None and export["state"] == "completed":  # it finished first
                platform.tracker.sync(source["name"])
                raise bad_request(
                    "CannotCancelBackup", f"Cloud backup {backup['id']} is already complete and cannot be canceled."
                )
        with platform.store.write() as conn:
            if not set_state(conn, current["id"], "canceled", expect=PENDING):
                state = conn.execute("SELECT state FROM cloud_backups WHERE id = ?", (current["id"],)).fetchone()[0]
                if state != "canceled":
                    raise bad_request(
                        "CannotCancelBackup", f"Cloud backup {backup['id']} is already {state} and cannot be canceled."
                    )


def delete(platform: Platform, principal: Principal, backup: dict[str, Any], source: dict[str, Any]) -> None:
    """Only terminal backups can be deleted; the ZIP goes and the export's expiration becomes now."""
    now = platform.clock.now_ms()
    with platform.lock:
        with platform.store.write() as conn:
            state = conn.execute("SELECT state FROM cloud_backups WHERE id = ?", (backup["id"],)).fetchone()[0]
            if state not in TERMINAL:
                raise bad_request(
                    "CannotDeleteBackup",
                    f"Cloud backup {backup['id']} is {state}. Cancel it or wait for it to finish before deleting it.",
                )
            conn.execute("UPDATE cloud_backups SET deleted_time = ? WHERE id = ?", (now, backup["id"]))
            audit.record(
                conn,
                team_id=directory.team_id_of_deployment(conn, source),
                actor=principal.actor(),
                action=audit.DELETE_BACKUP,
                now_ms=now,
                metadata={"previous": models.cloud_backup_response({**backup, "state": state}, source["name"])},
            )
    platform.retention.purge_now()
