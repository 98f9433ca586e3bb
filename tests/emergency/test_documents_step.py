"""Checklist step 2 offers full, tables or documents: `D` on a backup opens the diff screen for it (compare with
now, mark, R restores only the marked documents), and esc comes back to the checklist."""

from __future__ import annotations

from emergency_support import PROD, HostApp, break_deployment, take_backup, wait_until, shown_table

from tui.screens.restore.diff import DiffScreen
from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist.state import ChecklistStore


async def test_d_on_step_2_compares_the_chosen_backup_with_now(demo, target, homes, tmp_path):
    ref = await target.get_deployment(PROD)
    good = await take_backup(target, ref)
    await break_deployment(demo, PROD)

    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(
        lambda: EmergencyScreen(
            target, store, None, incidents=tmp_path / "incidents", download_folder=tmp_path / "downloads"
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        table = shown_table(screen)
        table.move_cursor(row=[str(k.value) for k in table.rows].index(PROD))
        await pilot.press("g")  # step 0
        await pilot.press("g")  # step 1: the safety backup
        await wait_until(
            pilot, lambda: screen.checklist.steps[1].status == "done", timeout=90, what="the safety backup"
        )
        await pilot.press("down")
        await wait_until(pilot, lambda: good.id in [str(k.value) for k in table.rows], what="the backups")
        assert screen.check_action("restore_documents", ()) is True
        await wait_until(
            pilot,
            lambda: "D compares the backup with now" in str(screen.panel.query_one("#em-text").render()),
            what="step 2's words",
        )
        table.move_cursor(row=[str(k.value) for k in table.rows].index(good.id))
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen), what="the diff screen")
        diff = app.screen
        assert diff.backup.id == good.id and diff.deployment.name == PROD
        await wait_until(pilot, lambda: diff.store is not None, timeout=90, what="the diff")
        assert any(t.differs for t in diff.store.tables())
        assert diff.check_action("restore_marked", ()) is True
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="back on the checklist")
        assert screen.checklist.steps[2].status == "pending"  # comparing restores nothing
