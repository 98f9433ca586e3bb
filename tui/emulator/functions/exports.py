"""System queries that read `_exports`."""

from __future__ import annotations

from typing import Any

from tui.emulator.exports import state as exports
from tui.emulator.deployment.auth import VIEW_BACKUPS
from tui.emulator.functions.registry import system_function
from tui.emulator.deployment.tables import STORAGE_TABLE, STORAGE_TABLE_NUMBER, find_active


@system_function("_system/frontend/latestExport", "query", VIEW_BACKUPS)
@system_function("_system/cli/exports:getLatest", "query", VIEW_BACKUPS)
def latest_export(deployment, args: dict[str, Any]) -> Any:
    return exports.latest(deployment.db.connection(), exports.SNAPSHOT_EXPORT)


@system_function("_system/frontend/latestExport:latestCloudExport", "query", VIEW_BACKUPS)
def latest_cloud_export(deployment, args: dict[str, Any]) -> Any:
    return exports.latest(deployment.db.connection(), exports.CLOUD_BACKUP)


@system_function("_system/frontend/latestExport:canExportFileStorage", "query", VIEW_BACKUPS)
def can_export_file_storage(deployment, args: dict[str, Any]) -> Any:
    tablet = find_active(deployment.db.connection(), "", STORAGE_TABLE)
    return tablet is None or tablet.number == STORAGE_TABLE_NUMBER
