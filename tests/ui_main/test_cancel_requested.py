"""Convex's dashboard offers Cancel only for a backup in progress ("This backup hasn't started yet" for one
requested): `c` on a backup still waiting to start says so and asks nothing of Convex, even when the row was
drawn before the backup's state was read again."""

from __future__ import annotations

from pilot_support import choose, notes, open_cloud_target, record_notifications, wait_until

from tui.app import ConvexBackupsApp
from tui.screens.dialogs.confirm import ConfirmDialog
from tui.widgets.backup_table import BackupTable


async def test_c_on_a_backup_that_has_not_started_says_so_and_sends_nothing(sandbox_process, homes):
    name = sandbox_process.name
    deployment_id = sandbox_process.platform_json("GET", f"/v1/deployments/{name}")["id"]
    sandbox_process.set_throttle(name, 2.0)
    try:
        with sandbox_process.client() as client:  # a snapshot export holds the deployment's one export slot
            assert client.post("/api/export/request/zip").status_code == 200
        waiting = sandbox_process.platform_json(
            "POST", f"/api/dashboard/deployments/{deployment_id}/request_cloud_backup"
        )
        assert waiting["state"] == "requested"
        target = await open_cloud_target(sandbox_process, homes)
        app = ConvexBackupsApp(target=target)
        shown = record_notifications(app)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await choose(pilot, app, name)
            table = screen.query_one(BackupTable)
            await wait_until(pilot, lambda: table.selected and table.selected.id == str(waiting["id"]), what="row")
            await pilot.press("c")
            await wait_until(pilot, lambda: any("has not started yet" in n for n in notes(shown)), what="the refusal")
            assert not isinstance(app.screen, ConfirmDialog)
        await target.aclose()
        state = sandbox_process.platform_json("GET", f"/api/dashboard/cloud_backups/{waiting['id']}")["state"]
        assert state in ("requested", "inProgress")  # not cancelled
    finally:
        sandbox_process.set_throttle(name, 0)
