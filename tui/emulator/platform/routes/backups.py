"""Cloud backup, restore and periodic-schedule routes of the dashboard API.

Path ids are decimal integers (`deployment_id` is the numeric id, not the name). Answers: the backup
list newest first; `request_cloud_backup` the new backup (`requested`); cancel JSON `null`; delete,
restore and disable an empty body; configure and get the config (or `null`).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from tui.emulator.errors import bad_request
from tui.emulator.platform import models
from tui.emulator.platform.backups import cloud_backups
from tui.emulator.platform.backups import periodic
from tui.emulator.platform.backups import restore
from tui.emulator.platform.access.bearer_auth import visible_deployment
from tui.emulator.platform.routes.endpoint import EMPTY, Call, endpoint

BASE = "/api/dashboard"


def _deployment(call: Call) -> dict[str, Any]:
    return visible_deployment(call.conn, call.caller, call.int_path("deployment_id"))


def list_backups(call: Call) -> Any:
    row = _deployment(call)
    backups = cloud_backups.list_visible(call.conn, row["id"], call.platform.clock.now_ms())
    return [models.cloud_backup_response(b, row["name"]) for b in backups]


def get_backup(call: Call) -> Any:
    backup, source = cloud_backups.visible_backup(call.platform, call.caller, call.int_path("cloud_backup_id"))
    return models.cloud_backup_response(backup, source["name"])


def request_backup(call: Call) -> Any:
    """`{"includeStorage": bool}`; no body at all means `includeStorage: false`."""
    row = _deployment(call)
    body = call.body if call.body is not None else {}
    if not isinstance(body, dict):
        raise bad_request("BadJsonBody", 'Expected {"includeStorage": <bool>}.')
    include_storage = body.get("includeStorage", False)
    if include_storage is None:
        include_storage = False
    if not isinstance(include_storage, bool):
        raise bad_request("BadJsonBody", "`includeStorage` must be true or false.")
    backup = cloud_backups.request(call.platform, call.caller, row, include_storage)
    return models.cloud_backup_response(backup, row["name"])


def cancel_backup(call: Call) -> Any:
    backup, source = cloud_backups.visible_backup(call.platform, call.caller, call.int_path("cloud_backup_id"))
    cloud_backups.cancel(call.platform, backup, source)
    return None


def delete_backup(call: Call) -> Any:
    backup, source = cloud_backups.visible_backup(call.platform, call.caller, call.int_path("cloud_backup_id"))
    cloud_backups.delete(call.platform, call.caller, backup, source)
    return EMPTY


def restore_backup(call: Call) -> Any:
    restore.restore(call.platform, call.caller, _deployment(call), call.body)
    return EMPTY


def get_periodic(call: Call) -> Any:
    config = periodic.get(call.platform, _deployment(call)["id"])
    return models.periodic_config_response(config) if config else None


def configure_periodic(call: Call) -> Any:
    config = periodic.configure(call.platform, call.caller, _deployment(call), call.body)
    return models.periodic_config_response(config)


def disable_periodic(call: Call) -> Any:
    periodic.disable(call.platform, call.caller, _deployment(call))
    return EMPTY


def routes() -> list[Route]:
    deployment = f"{BASE}/deployments/{{deployment_id}}"
    backup = f"{BASE}/cloud_backups/{{cloud_backup_id}}"
    return [
        Route(f"{deployment}/list_cloud_backups", endpoint(list_backups), methods=["GET"]),
        Route(f"{deployment}/request_cloud_backup", endpoint(request_backup, body=True), methods=["POST"]),
        Route(f"{deployment}/restore_from_cloud_backup", endpoint(restore_backup, body=True), methods=["POST"]),
        Route(f"{deployment}/get_periodic_backup_config", endpoint(get_periodic), methods=["GET"]),
        Route(f"{deployment}/configure_periodic_backup", endpoint(configure_periodic, body=True), methods=["POST"]),
        Route(f"{deployment}/disable_periodic_backup", endpoint(disable_periodic), methods=["POST"]),
        Route(backup, endpoint(get_backup), methods=["GET"]),
        Route(f"{backup}/cancel", endpoint(cancel_backup), methods=["POST"]),
        Route(f"{backup}/delete", endpoint(delete_backup), methods=["POST"]),
    ]
