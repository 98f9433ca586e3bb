"""The main screen against a real seeded sandbox: tree, backups, back up now with live progress, the
Starter limit explained before any request, cancel, delete (confirm key differs), escape never quits."""

from __future__ import annotations

from pilot_support import choose, notes, record_notifications, wait_for_screen, wait_until

from tui.app import ConvexBackupsApp
from tui.screens.dialogs.backup_now import BackupNowDialog
from tui.screens.dialogs.confirm import ConfirmDialog
from tui.screens.main.screen import MainScreen
from tui.widgets.backup_table import BackupTable
from tui.widgets.deployment_tree import DeploymentTree
from tui.widgets.progress_panel import ProgressPanel


async def _pick(target, *, team: str, prod: bool | None = None, at_limit: bool | None = None):
    for ref in await target.list_deployments():
        if ref.team != team or (prod is not None and ref.is_prod != prod):
            continue
        if at_limit is not None and (await target.plan_limits(ref)).at_backup_limit != at_limit:
            continue
        return ref
    raise AssertionError(f"no deployment of {team} fits")


async def test_tree_lists_demo_deployments_with_prod_in_words(open_demo):
    target = await open_demo()
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await wait_until(pilot, lambda: screen.deployments, what="deployments")
        tree = screen.query_one(DeploymentTree)
        labels = {name: node.label.plain for name, node in tree.deployment_nodes.items()}
        expected = await target.list_deployments()
        assert set(labels) == {d.name for d in expected}
        for ref in expected:
            assert labels[ref.name].startswith("PROD " if ref.is_prod else ref.type)
        assert "local sandbox" not in app.sub_title and "Convex" in app.sub_title
        withdata = None
        for ref in expected:
            if await target.list_backups(ref):
                withdata = ref
                break
        assert withdata is not None
        await choose(pilot, app, withdata.name)
        table = screen.query_one(BackupTable)
        assert [b.id for b in table.shown] == [b.id for b in await target.list_backups(withdata)]
        assert table.row_count == len(table.shown) > 0


async def test_back_up_now_shows_live_progress_and_completes(open_demo, demo_sandbox):
    target = await open_demo()
    ref = await _pick(target, team="acme-corp", prod=False)
    before = {b.id for b in await target.list_backups(ref)}
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    with demo_sandbox.throttled(ref.name, 0.15):  # the backup runs long enough to be seen running
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await choose(pilot, app, ref.name)
            await pilot.press("b")
            dialog = await wait_for_screen(pilot, app, BackupNowDialog, what="backup dialog")
            assert "backups per deployment" in dialog.query_one("#limit").render().plain
            await pilot.press("f")  # with file storage
            await pilot.press("enter")
            panel = screen.query_one(ProgressPanel)
            await wait_until(pilot, lambda: panel.rows, what="a progress row")
            seen_states = set()

            def ended():
                for row in panel.rows.values():
                    seen_states.add(row.progress.state)
                return any("ended: complete" in n for n in notes(shown))

            await wait_until(pilot, ended, timeout=120, what="the backup to complete")
            after = await target.list_backups(ref)
            new = [b for b in after if b.id not in before]
            assert len(new) == 1 and new[0].state == "complete" and new[0].include_storage
            assert seen_states & {"inProgress", "requested"}
            await wait_until(
                pilot, lambda: new[0].id in {b.id for b in screen.query_one(BackupTable).shown}, what="table refreshed"
            )


async def test_starter_limit_is_explained_before_any_request(open_demo):
    target = await open_demo()
    ref = await _pick(target, team="indie-studio", at_limit=True)
    count = len(await target.list_backups(ref))
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await choose(pilot, app, ref.name)
        await pilot.press("b")
        dialog = await wait_for_screen(pilot, app, BackupNowDialog, what="backup dialog")
        text = dialog.query_one("#limit").render().plain
        assert "would be refused" in text and "Delete an older backup" in text
        assert not dialog.query("#start")  # nothing to start
        await pilot.press("enter")  # closes, requests nothing
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="dialog closed")
        await pilot.pause(0.5)
        assert len(await target.list_backups(ref)) == count


async def test_cancel_a_running_backup(open_demo, demo_sandbox):
    target = await open_demo()
    ref = await _pick(target, team="acme-corp", prod=True)
    # Seconds per export step, so that the backup is certainly still running when it is canceled.
    with demo_sandbox.throttled(ref.name, 2.0):
        running = await target.request_backup(ref)
        app = ConvexBackupsApp(target=target)
        shown = record_notifications(app)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await choose(pilot, app, ref.name)
            table = screen.query_one(BackupTable)
            await wait_until(pilot, lambda: table.selected and table.selected.id == running.id, what="row")
            assert table.selected.is_running
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
            await pilot.press("y")
            await wait_until(pilot, lambda: any("cancel" in n for n in notes(shown)), what="cancel notice")
            final = None
            for _ in range(300):
                final = await target.get_backup(ref, running.id)
                if final.is_terminal:
                    break
                await pilot.pause(0.1)
            assert final.state == "canceled"


async def test_delete_needs_a_different_key_to_confirm(open_demo):
    target = await open_demo()
    ref = await _pick(target, team="indie-studio", at_limit=True)
    victim = (await target.list_backups(ref))[0]
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, ref.name)
        table = screen.query_one(BackupTable)
        await wait_until(pilot, lambda: table.selected and table.selected.id == victim.id, what="row")
        await pilot.press("d")
        dialog = await wait_for_screen(pilot, app, ConfirmDialog, what="confirm")
        assert dialog.confirm_key != "d"
        await pilot.press("d")  # the opening key does not confirm
        await pilot.pause(0.3)
        assert app.screen is dialog
        assert victim.id in {b.id for b in await target.list_backups(ref)}
        await pilot.press(dialog.confirm_key)
        await wait_until(pilot, lambda: any(f"Deleted backup {victim.id}" in n for n in notes(shown)), what="deleted")
        assert victim.id not in {b.id for b in await target.list_backups(ref)}
        await wait_until(pilot, lambda: victim.id not in {b.id for b in table.shown}, what="row gone")


async def test_escape_never_quits(open_demo):
    target = await open_demo()
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.deployments, what="deployments")
        for _ in range(4):
            await pilot.press("escape")
        await pilot.press("slash", "x", "escape", "escape")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: app.screen is not screen, what="help")
        await pilot.press("escape", "escape", "escape")
        await pilot.pause(0.2)
        assert app.is_running and app.screen is screen
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="q quits")
