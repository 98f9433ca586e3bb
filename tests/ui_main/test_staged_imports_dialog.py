"""The TUI's way out of an import left staged (tui/screens/restore/staged_imports.py): `I` on the main screen (or
"Staged imports" in the palette) lists the deployment's imports, staged first, and `x` then `y` cancels one;
the deployment then accepts imports again."""

from __future__ import annotations

import sys
from pathlib import Path

from pilot_support import choose, notes, open_cloud_target, record_notifications, wait_for_screen, wait_until

from tui.app import ConvexBackupsApp
from tui.screens.dialogs.confirm import ConfirmDialog
from tui.screens.main.screen import MainScreen
from tui.screens.restore.staged_imports import StagedImportsDialog

sys.path.insert(0, str(Path(__file__).parent.parent / "emulator"))  # the import tests' helpers

from import_support import documents, get_import, make_zip, upload, wait_state  # noqa: E402


async def test_a_staged_import_is_listed_and_cancelled_from_the_main_screen(sandbox_process, homes):
    with sandbox_process.client() as client:
        staged = upload(client, make_zip({"notes": documents(10001, 4)}), mode="replaceAll")
        wait_state(client, staged, "waiting_for_confirmation")
    target = await open_cloud_target(sandbox_process, homes)
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, sandbox_process.name)
        assert "Staged imports" in [c.title for c in app.get_system_commands(screen)]
        await pilot.press("I")
        dialog = await wait_for_screen(pilot, app, StagedImportsDialog)
        table = dialog.query_one("#staged-table")
        await wait_until(pilot, lambda: table.row_count == 1, what="the staged import listed")
        assert str(table.get_cell_at((0, 4))) == staged
        assert str(table.get_cell_at((0, 0))) == "waiting for confirmation"
        detail = dialog.query_one("#staged-detail").render().plain
        assert "refused" in detail and "PRODUCTION" in dialog.query_one(".dialog-title").render().plain

        await pilot.press("x")
        await wait_for_screen(pilot, app, ConfirmDialog, what="the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: any(f"Cancelled import {staged}" in n for n in notes(shown)), what="cancelled")
        await wait_until(pilot, lambda: str(table.get_cell_at((0, 0))) == "failed", what="listed as failed")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back on the main screen")
    with sandbox_process.client() as client:
        assert get_import(client, staged)["state"] == {"state": "failed", "error_message": "Import canceled"}
    await target.aclose()


async def test_esc_on_the_confirmation_keeps_the_import(sandbox_process, homes):
    with sandbox_process.client() as client:
        staged = upload(client, make_zip({"notes": documents(10001, 2)}), mode="replaceAll")
        wait_state(client, staged, "waiting_for_confirmation")
    target = await open_cloud_target(sandbox_process, homes)
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(80, 24)) as pilot:
        await choose(pilot, app, sandbox_process.name)
        await pilot.press("I")
        dialog = await wait_for_screen(pilot, app, StagedImportsDialog)
        await wait_until(pilot, lambda: dialog.query_one("#staged-table").row_count == 1, what="listed")
        await pilot.press("x")
        await wait_for_screen(pilot, app, ConfirmDialog, what="the confirmation")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, StagedImportsDialog), what="back in the dialog")
    with sandbox_process.client() as client:
        assert get_import(client, staged)["state"]["state"] == "waiting_for_confirmation"
    await target.aclose()
