"""Checklist step 2 on a deployment with no backup of its own: it says so and `g` opens the restore wizard,
where another deployment's backup (same team) or a ZIP on disk is chosen and restored, and the checklist
records it. On the sandbox, with the Pilot."""

from __future__ import annotations

from emergency_support import PROD, HostApp, client_of, documents_of, take_backup, wait_until, shown_table

from tui.screens.emergency.screen import EmergencyScreen
from tui.screens.restore.source import ZIP_CHOICE
from tui.screens.restore.wizard import RestoreWizard
from tui.services.checklist.state import ChecklistStore
from tui.services.downloads.downloader import download_export

EMPTY = "quiet-sheep-258"  # acme-corp, team-tasks, dev: no backups of its own


async def open_step_2(pilot, app):
    """Steps 0 (this deployment) and 1 (skipped: nothing to keep), then step 2's wizard."""
    screen = app.screen_under_test
    await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
    table = shown_table(screen)
    table.move_cursor(row=[str(k.value) for k in table.rows].index(EMPTY))
    await pilot.press("g")  # step 0: this deployment
    assert screen.ref.name == EMPTY and screen.selected == 1
    await pilot.press("s", *"an empty dev deployment: nothing to keep", "enter")  # step 1 skipped
    await wait_until(pilot, lambda: screen.checklist.steps[1].status == "skipped", what="step 1 skipped")
    if screen.selected != 2:
        await pilot.press("down")
    assert screen.selected == 2
    await wait_until(
        pilot,
        lambda: "no complete backup of its own" in str(screen.panel.query_one("#em-text").render()),
        what="step 2's note",
    )
    await pilot.press("g")
    # The wizard is the screen before its first step is mounted (under load, a pilot step apart).
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, RestoreWizard) and bool(app.screen.query("SourceStep DataTable")),
        what="the restore wizard's first step",
    )
    return screen, app.screen


async def confirm_and_finish(pilot, screen, wizard):
    await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
    await pilot.press("s", *"an empty dev deployment: nothing to keep", "enter")
    await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
    assert screen.checklist.restore_import_id == wizard.plan.import_id
    await pilot.press("c", "y")
    await wait_until(pilot, lambda: wizard.stage == "done", timeout=90, what="the restore")
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen.checklist.steps[2].status == "done", what="step 2 recorded")


def checklist_app(target, homes, tmp_path):
    store = ChecklistStore.in_data_dir(homes.data_dir)
    return HostApp(
        lambda: EmergencyScreen(
            target, store, EMPTY, incidents=tmp_path / "incidents", download_folder=tmp_path / "downloads"
        )
    )


async def test_step_2_restores_another_deployments_backup_into_one_without_backups(demo, target, homes, tmp_path):
    empty = await target.get_deployment(EMPTY)
    assert not await target.list_backups(empty)
    good = await take_backup(target, await target.get_deployment(PROD))
    wanted = await documents_of(demo, PROD)
    app = checklist_app(target, homes, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, wizard = await open_step_2(pilot, app)
        step = wizard.query_one("SourceStep")
        await wait_until(pilot, lambda: PROD in step.deployments, what="the team's deployments")
        step.query_one("#source-deployment").value = PROD
        await wait_until(pilot, lambda: good.id in step.backups, what="the other deployment's backups")
        step.query_one("#source-backups").move_cursor(row=step.query_one("#source-backups").get_row_index(good.id))
        step.query_one("#source-backups").focus()
        await pilot.press("enter")
        await confirm_and_finish(pilot, screen, wizard)
        assert screen.checklist.steps[2].data["backup_id"] == good.id
    assert await documents_of(demo, EMPTY) == wanted


async def test_step_2_restores_a_zip_into_a_deployment_without_backups(demo, target, homes, tmp_path):
    backup = await take_backup(target, await target.get_deployment(PROD))
    async with client_of(demo, PROD) as client:
        path = (await download_export(client, backup.snapshot_id, folder=tmp_path / "zips")).path
    wanted = await documents_of(demo, PROD)
    app = checklist_app(target, homes, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, wizard = await open_step_2(pilot, app)
        step = wizard.query_one("SourceStep")
        await wait_until(pilot, lambda: PROD in step.deployments, what="the team's deployments")
        step.query_one("#source-deployment").value = ZIP_CHOICE
        await wait_until(pilot, lambda: step.query_one("#file-path").has_focus, what="the path box")
        await pilot.press(*str(path), "enter")
        await confirm_and_finish(pilot, screen, wizard)
        state = screen.checklist.steps[2]
        assert state.data["source_file"] == str(path) and state.data["backup_id"] is None
        assert f"file {path}" in state.outcome
    assert await documents_of(demo, EMPTY) == wanted
