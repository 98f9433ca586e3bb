"""Restore from a cloud backup: feed the backup's ZIP to the target deployment's
snapshot import in ReplaceAll mode, tagged `{"type": "cloudRestore", "sourceCloudBackupId": id}`.

The import is left for the client: the target's worker parses it to `waiting_for_confirmation`, and
the client confirms with `POST {target}/api/perform_import` (as the dashboard does). The platform never
confirms it.

Refused (400 unless noted): the backup is not `complete`; its team is not the target's
(`CrossTeamRestore`; 404 `CloudBackupNotFound` when the caller cannot see the backup's team at all);
a backup of the target is requested or in progress (`BackupInProgress`); a restore is running on the
target, i.e. its newest cloud-restore import is not completed or failed (`RestoreInProgress`); the
target is dedicated (`DedicatedDeploymentRestore`) or in another region (`CrossRegionRestore`), which
the dashboard does not offer either; the ZIP is gone (`CloudBackupUnavailable`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.emulator.exports import state as exports
from tui.emulator.imports import state as imports
from tui.emulator.errors import bad_request
from tui.emulator.platform import audit, directory, models
from tui.emulator.platform.backups import cloud_backups
from tui.emulator.platform.access.bearer_auth import Principal

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform

MODE = "ReplaceAll"  # the mode Convex uses is unconfirmed; the UI describes a wipe-and-replace


def backup_id_of(body: Any) -> int:
    value = body.get("id") if isinstance(body, dict) else None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad_request("BadJsonBody", 'Expected {"id": <cloud backup id>}.')
    return value


def running_restore(deployment) -> dict[str, Any] | None:
    """The target's newest cloud-restore import among the 20 newest, if it has not ended (as the dashboard decides)."""
    for document in imports.recent(deployment.db.connection()):
        if (document.get("requestor") or {}).get("type") == "cloudRestore":
            return document if document["state"]["state"] not in imports.TERMINAL_STATES else None
    return None


def restore(platform: Platform, principal: Principal, target: dict[str, Any], body: Any) -> dict[str, Any]:
    backup_id = backup_id_of(body)
    conn = platform.store.conn()
    now = platform.clock.now_ms()
    backup = cloud_backups.get_visible(conn, backup_id, now)
    source = directory.deployment(conn, backup["deployment_id"]) if backup else None
    if backup is None or source is None or directory.team_id_of_deployment(conn, source) not in principal.team_ids:
        raise cloud_backups.not_found_error(backup_id)
    source_team = directory.existing_team(conn, directory.team_id_of_deployment(conn, source))
    target_team = directory.existing_team(conn, directory.team_id_of_deployment(conn, target))
    if source_team["id"] != target_team["id"]:
        raise bad_request(
            "CrossTeamRestore",
            f"Cloud backup {backup_id} belongs to team {source_team['slug']}; it can only be restored into "
            f"deployments of that team, and {target['name']} is in team {target_team['slug']}. "
            "Download the backup and import it instead.",
        )
    if backup["state"] != "complete":
        raise bad_request(
            "CloudBackupNotComplete", f"Cloud backup {backup_id} is {backup['state']}; only complete backups restore."
        )
    if target["class"].startswith("d"):
        raise bad_request(
            "DedicatedDeploymentRestore",
            f"{target['name']} is a dedicated deployment ({target['class']}); restore it from its physical backups.",
        )
    if source["region"] != target["region"]:
        raise bad_request(
            "CrossRegionRestore",
            f"Cloud backup {backup_id} is in {source['region']} and {target['name']} in {target['region']}. "
            "Download the backup and import it with the CLI instead.",
        )
    with platform.lock:
        if cloud_backups.pending(conn, target["id"]):
            raise bad_request(
                "BackupInProgress",
                f"A backup of {target['name']} is requested or in progress. Wait for it before restoring into it.",
            )
        deployment = platform.deployments[target["name"]]
        running = running_restore(deployment)
        if running is not None:
            raise bad_request(
                "RestoreInProgress",
                f"A restore into {target['name']} is already running (import {running['_id']} is "
                f"{running['state']['state']}). Confirm or cancel it first.",
            )
        source_deployment = platform.deployments[source["name"]]
        export = (
            exports.get(source_deployment.db.connection(), backup["snapshot_id"]) if backup["snapshot_id"] else None
        )
        zip_path = source_deployment.export_worker.zip_path(export) if export else None
        if zip_path is None or not zip_path.is_file():
            raise bad_request("CloudBackupUnavailable", f"The ZIP of cloud backup {backup_id} is no longer stored.")
        document = deployment.import_worker.import_file(
            zip_path, mode=MODE, requestor={"type": "cloudRestore", "sourceCloudBackupId": backup_id}
        )
        with platform.store.write() as wconn:
            audit.record(
                wconn,
                team_id=target_team["id"],
                actor=principal.actor(),
                action=audit.RESTORE_FROM_BACKUP,
                now_ms=now,
                metadata={
                    "current": {
                        "targetDeploymentName": target["name"],
                        "backup": models.cloud_backup_response(backup, source["name"]),
                        "importId": document["_id"],
                    }
                },
            )
    return document
