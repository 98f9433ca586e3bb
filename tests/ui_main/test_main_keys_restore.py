"""A deployment without backups of its own can be restored into from the main screen (`r` and the
command palette open the wizard, which offers the team's other deployments' backups), and a key whose
action cannot run says why instead of doing nothing. Against the real seeded sandbox."""

from __future__ import annotations

from deployment_data import documents_of, take_backup
from pilot_support import choose, notes, record_notifications, wait_for_screen, wait_until

from tui.app import ConvexBackupsApp
from tui.screens.main.screen import MainScreen
from tui.screens.restore.wizard import RestoreWizard

SOURCE = "brave-marmot-193"  # acme-corp, storefront, prod
EMPTY = "quiet-sheep-258"  # acme-corp, team-tasks, dev: no backups of its own


async def test_r_on_a_deployment_without_backups_restores_another_deployments_backup(open_demo, demo_sandbox):
    target = await open_demo()
    source, empty = await target.get_deployment(SOURCE), await target.get_deployment(EMPTY)
    assert not await target.list_backups(empty)
    backup = await take_backup(target, source)
    wanted = await documents_of(demo_sandbox, SOURCE)
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, EMPTY)
        assert screen.query_one("#backups").selected is None
        titles = [command.title for command in app.get_system_commands(screen)]
        assert "Restore" in titles and "Import ZIP" in titles  # the palette offers both
        await pilot.press("r")
        wizard = await wait_for_screen(pilot, app, RestoreWizard, what="the restore wizard")
        step = wizard.query_one("SourceStep")
        await wait_until(
            pilot,
            lambda: "has no backups" in str(step.query_one("#source-note").render()),
            what="the empty deployment's note",
        )
        assert "snapshot ZIP on disk" in str(step.query_one("#source-note").render())
        await wait_until(pilot, lambda: SOURCE in step.deployments, what="the team's deployments")
        assert step.query_one("#source-deployment").has_focus  # nothing to choose here: the list of sources
        await pilot.press("enter", *["down"] * list(step.deployments).index(SOURCE), "enter")
        await wait_until(pilot, lambda: backup.id in step.backups, what="the other deployment's backups")
        table = step.query_one("#source-backups")
        assert table.has_focus and table.get_row_index(backup.id) == table.cursor_row  # the newest complete one
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("s", *"an empty deployment: nothing to keep", "enter")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        assert SOURCE in wizard.plan.source and wizard.plan.backup_id == backup.id
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: wizard.stage == "done", timeout=90, what="the end of the restore")
        assert wizard.result.ok
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back on the main screen")
    assert await documents_of(demo_sandbox, EMPTY) == wanted


async def test_a_backup_key_without_a_backup_says_why(open_demo):
    target = await open_demo()
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, EMPTY)
        await wait_until(
            pilot,
            lambda: (
                not screen.query_one("#backups").backups
                and not screen.query_one("#backups").empty_text.startswith("Loading")
            ),
            what="no backups",
        )
        for key, name in (("w", "Download"), ("i", "Inspect"), ("d", "Delete backup"), ("c", "Cancel backup")):
            before = len(notes(shown))
            await pilot.press(key)
            await wait_until(pilot, lambda: len(notes(shown)) > before, what=f"the reason {key} does nothing")
            said = notes(shown)[-1]
            assert name in said and EMPTY in said and "b backs it up now" in said, said
            assert isinstance(app.screen, MainScreen)
