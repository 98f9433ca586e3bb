"""Checklist step 2 on a deployment with no backup of its own: it says so and `g` opens the restore wizard,
where another deployment's backup (same team) is chosen and restored. On the sandbox, with the Pilot."""

from __future__ import annotations

from emergency_support import PROD, HostApp, documents_of, take_backup, wait_until

from tui.screens.emergency_screen import EmergencyScreen
from tui.screens.restore_wizard import RestoreWizard
from tui.services.checklist import ChecklistStore

EMPTY = "quiet-sheep-258"  # acme-corp, team-tasks, dev: no backups of its own


async def test_step_2_restores_another_deployments_backup_into_one_without_backups(demo, target, homes, tmp_path):
    empty = await target.get_deployment(EMPTY)
    assert not await target.list_backups(empty)
    good = await take_backup(target, await target.get_deployment(PROD))
    wanted = await documents_of(demo, PROD)
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(target, store, EMPTY, incidents=tmp_path / "incidents",
                                          download_folder=tmp_path / "downloads"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        table = screen.query_one("#em-table")
        table.move_cursor(row=[str(k.value) for k in table.rows].index(EMPTY))
        await pilot.press("g")  # step 0: this deployment
        assert screen.ref.name == EMPTY and screen.selected == 1
        await pilot.press("s", *"an empty dev deployment: nothing to keep", "enter")  # step 1 skipped
        await wait_until(pilot, lambda: screen.checklist.steps[1].status == "skipped", what="step 1 skipped")
        if screen.selected != 2:
            await pilot.press("down")
        assert screen.selected == 2
        await wait_until(pilot, lambda: "no complete backup of its own" in str(screen.query_one("#em-text").render()),
                         what="step 2's note")
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, RestoreWizard), what="the restore wizard")
        wizard = app.screen
        step = wizard.query_one("SourceStep")
        await wait_until(pilot, lambda: PROD in step.deployments, what="the team's deployments")
        step.query_one("#source-deployment").value = PROD
        await wait_until(pilot, lambda: good.id in step.backups, what="the other deployment's backups")
        step.query_one("#source-backups").move_cursor(row=step.query_one("#source-backups").get_row_index(good.id))
        step.query_one("#source-backups").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("s", *"an empty dev deployment: nothing to keep", "enter")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        assert screen.checklist.restore_import_id == wizard.plan.import_id
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: wizard.stage == "done", timeout=90, what="the restore")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.checklist.steps[2].status == "done", what="step 2 recorded")
        assert screen.checklist.steps[2].data["backup_id"] == good.id
    assert await documents_of(demo, EMPTY) == wanted
