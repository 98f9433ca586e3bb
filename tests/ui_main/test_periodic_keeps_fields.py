"""The periodic dialog keeps what it does not show: saving a new time keeps the schedule's retention
(the dialog has no retention field) and its file-storage setting."""

from __future__ import annotations

from datetime import timedelta

from pilot_support import choose, notes, record_notifications, wait_for_screen, wait_until

from tui.app import ConvexBackupsApp
from tui.screens.dialogs.periodic import PeriodicDialog
from tui.services.protocol import Schedule


async def test_saving_a_new_time_keeps_retention_and_file_storage(open_demo):
    target = await open_demo()
    ref = next(d for d in await target.list_deployments() if d.team == "acme-corp" and d.is_prod)
    await target.set_schedule(ref, Schedule("weekly", 3, 0, 2, True, retention=timedelta(days=30)))
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await choose(pilot, app, ref.name)
            await pilot.press("p")
            dialog = await wait_for_screen(pilot, app, PeriodicDialog)
            assert dialog.query_one("#storage").value is True
            dialog.query_one("#time").value = "05:45"
            await pilot.pause()  # the input's change handled
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: any("Periodic backups of" in n for n in notes(shown)), what="saved")
        saved = await target.get_schedule(ref)
        assert saved is not None and saved.include_storage is True
        assert saved.retention == timedelta(days=30)
    finally:
        await target.disable_schedule(ref)
