"""System queries that read `_snapshot_imports`."""

from __future__ import annotations

from typing import Any

from tui.emulator.imports import state as imports
from tui.emulator.deployment.auth import VIEW_BACKUPS
from tui.emulator.functions.registry import FunctionError, system_function


@system_function("_system/frontend/snapshotImport:list", "query", VIEW_BACKUPS)
@system_function("_system/cli/queryImport:list", "query", VIEW_BACKUPS)
def list_imports(deployment, args: dict[str, Any]) -> Any:
    """The 20 newest imports, newest first."""
    return imports.recent(deployment.db.connection())


@system_function("_system/cli/queryImport", "query", VIEW_BACKUPS)
def query_import(deployment, args: dict[str, Any]) -> Any:
    """One import by id, or null."""
    import_id = args.get("importId") if isinstance(args, dict) else None
    if not imports.is_import_id(import_id):
        raise FunctionError(
            "ArgumentValidationError: Value does not match validator.\n"
            f'Path: .importId\nValue: {import_id!r}\nValidator: v.id("_snapshot_imports")'
        )
    return imports.get(deployment.db.connection(), import_id)
