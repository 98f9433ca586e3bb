"""Periodic dialog (Pro and Starter), the env view's masking, read-only refusal and a network outage,
against a real sandbox."""

from __future__ import annotations

from pilot_support import choose, notes, open_cloud_target, record_notifications, wait_for_screen, wait_until

from sandbox_process import SandboxProcess
from tui.app import ConvexBackupsApp
from tui.screens.main.env_vars import EnvVarsScreen
from tui.screens.main.screen import MainScreen
from tui.screens.dialogs.periodic import PeriodicDialog
from tui.widgets.backup_table import BackupTable


async def _first(target, team: str, prod: bool):
    return next(d for d in await target.list_deployments() if d.team == team and d.is_prod == prod)


async def test_periodic_dialog_sets_a_schedule_on_the_pro_team(open_demo):
    target = await open_demo()
    ref = await _first(target, "acme-corp", prod=False)
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, app, ref.name)
        await pilot.press("p")
        dialog = await wait_for_screen(pilot, app, PeriodicDialog)
        assert dialog.entitled
        dialog.query_one("#on").value = True
        dialog.query_one("#frequency").value = "weekly"
        dialog.query_one("#weekday").value = 3
        dialog.query_one("#time").value = "04:30"
        await wait_until(pilot, lambda: "UTC" in dialog.query_one("#utc").render().plain, what="the time in UTC")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("Periodic backups of" in n for n in notes(shown)), what="saved")
        schedule = await target.get_schedule(ref)
        assert schedule is not None and schedule.frequency == "weekly" and schedule.weekday is not None
        await wait_until(
            pilot,
            lambda: "Periodic backups: every" in app.screen.query_one("#detail").render().plain,
            what="schedule in the detail pane",
        )


async def test_periodic_dialog_explains_pro_on_starter(open_demo):
    target = await open_demo()
    ref = await _first(target, "indie-studio", prod=True)
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(80, 24)) as pilot:
        await choose(pilot, app, ref.name)
        await pilot.press("p")
        dialog = await wait_for_screen(pilot, app, PeriodicDialog, what="periodic dialog")
        assert "Convex Pro feature" in dialog.query_one("#pro").render().plain
        assert not dialog.query("#on")  # no form to fill in on a plan without periodic backups
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")
        await pilot.press("p")
        await wait_for_screen(pilot, app, PeriodicDialog, what="periodic dialog again")
        await pilot.press("ctrl+s")  # saving from the explanation only closes it
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed by ctrl+s")
    assert await target.get_schedule(ref) is None


async def test_env_view_masks_values(open_demo):
    target = await open_demo()
    ref = await _first(target, "acme-corp", prod=True)
    live = await target.env_live(ref)
    assert live.values
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, app, ref.name)
        await pilot.press("e")
        screen = await wait_for_screen(pilot, app, EnvVarsScreen, what="env")
        table = screen.query_one("#env-table")
        await wait_until(pilot, lambda: table.row_count == len(live.values), what="env rows")
        cells = [str(table.get_cell_at((row, 1))) for row in range(table.row_count)]
        secrets = [v for v in live.values.values() if len(v) > 3]
        assert not any(secret in cell for cell in cells for secret in secrets)
        await pilot.press("s")  # save the live set, then it is listed and compared
        await wait_until(pilot, lambda: screen.query_one("#env-sets").option_count >= 1, what="saved set")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back")


async def test_read_only_deployment_refuses_mutations_and_says_why(open_demo):
    probe = await open_demo()
    ref = None
    for candidate in await probe.list_deployments():
        if await probe.list_backups(candidate):
            ref = candidate
            break
    target = await open_demo(read_only=frozenset({ref.name}))
    count = len(await target.list_backups(ref))
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, ref.name)
        assert screen.current.read_only
        await wait_until(pilot, lambda: screen.query_one(BackupTable).selected, what="a backup row")
        assert screen.check_action("delete_backup", ()) is False
        await pilot.press("d")
        await wait_until(pilot, lambda: any("read_only" in n for n in notes(shown)), what="refusal")
        assert isinstance(app.screen, MainScreen)
        assert len(await target.list_backups(ref)) == count


async def test_network_down_gives_a_clear_error_not_a_crash(tmp_path, homes):
    process = SandboxProcess(tmp_path / "sandbox").start()
    try:
        target = await open_cloud_target(process, homes)
        app = ConvexBackupsApp(target=target)
        shown = record_notifications(app)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            await wait_until(pilot, lambda: screen.deployments and screen.current, what="deployments")
            process.stop()
            await pilot.press("f5")
            await wait_until(
                pilot, lambda: any(n.severity == "error" for n in shown), timeout=60, what="an error notification"
            )
            error = next(n for n in shown if n.severity == "error")
            assert error.title.startswith("Could not")
            assert "Traceback" not in error.message and process.access_token not in error.message
            assert app.is_running and isinstance(app.screen, MainScreen)
    finally:
        process.stop()
