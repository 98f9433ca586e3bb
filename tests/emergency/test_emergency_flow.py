"""The whole checklist on the sandbox, driven by the Pilot: break a demo deployment (documents deleted and
corrupted, env vars changed), then steps 0, 1, 2, 4 and 6 through the screen. Afterwards the data and
the env vars equal the chosen backup's, and the incident log lists each step."""

from __future__ import annotations

import stat

from emergency_support import (
    PROD,
    HostApp,
    break_deployment,
    documents_of,
    env_of,
    shown_table,
    take_backup,
    wait_until,
)

from tui.screens.emergency.screen import EmergencyScreen
from tui.screens.restore.wizard import RestoreWizard
from tui.services.checklist.state import ChecklistStore


async def test_the_checklist_puts_data_and_env_vars_back(demo, target, homes, tmp_path):
    ref = await target.get_deployment(PROD)
    good = await take_backup(target, ref)  # saves the env vars beside it
    wanted_docs, wanted_env = await documents_of(demo, PROD), await env_of(demo, PROD)
    await break_deployment(demo, PROD)
    assert await documents_of(demo, PROD) != wanted_docs and await env_of(demo, PROD) != wanted_env

    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(
        lambda: EmergencyScreen(
            target, store, None, incidents=tmp_path / "incidents", download_folder=tmp_path / "downloads"
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        assert screen.ref.is_prod  # production by default
        assert "Pausing (optional, p)" in str(screen.panel.query_one("#em-text").render())
        table = shown_table(screen)
        table.move_cursor(row=[str(k.value) for k in table.rows].index(PROD))  # the demo has several
        await pilot.press("g")  # step 0: the highlighted deployment is the one in trouble
        assert screen.checklist.steps[0].status == "done" and screen.selected == 1
        assert screen.ref.name == PROD and screen.checklist.deployment == PROD

        await pilot.press("down")  # step 2 is not offered before the safety backup
        assert screen.selected == 2 and screen.check_action("run_step", ()) is False
        await pilot.press("up", "g")  # step 1: safety backup with file storage
        await wait_until(
            pilot, lambda: screen.checklist.steps[1].status == "done", timeout=90, what="the safety backup"
        )
        safety = screen.checklist.safety_backup_id
        assert safety and safety != good.id and screen.checklist.steps[1].data["env_snapshot"]
        await pilot.press("w")  # offered: download the safety backup, verified
        await wait_until(
            pilot, lambda: screen.checklist.steps[1].data.get("downloaded"), timeout=60, what="the download"
        )
        assert (tmp_path / "downloads").joinpath(screen.checklist.steps[1].data["downloaded"]).is_file()

        await pilot.press("down")  # step 2: choose the good backup, run the wizard
        await wait_until(pilot, lambda: table.display and table.row_count >= 2, what="the backups")
        keys = [str(k.value) for k in table.rows]
        table.move_cursor(row=keys.index(good.id))
        await pilot.press("i")  # inspect it (per-table counts against the current data), then back
        await wait_until(pilot, lambda: type(app.screen).__name__ == "InspectScreen", what="the inspect screen")
        inspect = app.screen
        await wait_until(
            pilot,
            lambda: str(inspect.query_one("#inspect-compare").render()).startswith("Compared with the deployment"),
            what="the backup's tables next to the deployment's now",
        )
        now = {table: len(rows) for table, rows in (await documents_of(demo, PROD)).items()}
        shown = inspect.query_one("DataTable")
        assert now and all(shown.get_cell(name, "now") == f"{count:,}" for name, count in now.items())
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="back from inspecting")
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, RestoreWizard), what="the restore wizard")
        wizard = app.screen
        await wait_until(
            pilot,
            lambda: any(good.id in step.backups for step in wizard.query("SourceStep")),  # mounted a step later
            what="wizard backups",
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("u")  # step 1's backup, minutes old: reused on the operator's word
        await wait_until(pilot, lambda: wizard.stage == "safety-ready", what="the recent safety backup")
        assert wizard.safety_backup_id == safety
        await pilot.press("c")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the staged plan")
        assert screen.checklist.restore_import_id == wizard.plan.import_id  # recorded before confirming
        await pilot.press("c", *PROD, "enter")  # production: type its name
        await wait_until(pilot, lambda: wizard.stage == "done", timeout=90, what="the restore")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.checklist.steps[2].status == "done", what="step 2 recorded")
        data = screen.checklist.steps[2].data
        assert data["backup_id"] == good.id and data["counts_before"] != data["counts_after"]
        assert await documents_of(demo, PROD) == wanted_docs

        await pilot.press("down", "down")  # step 4: env vars against the set saved with the good backup
        assert screen.selected == 4
        await wait_until(pilot, lambda: screen.env_step.comparison is not None and table.row_count, what="the env diff")
        assert screen.env_step.comparison.saved_id == good.env_snapshot
        assert "INJECTED_BY_ATTACKER" in screen.env_step.comparison.removed
        shown = " ".join(str(table.get_row_at(i)) for i in range(table.row_count))
        assert "evil" not in shown and "corrupted-value" not in shown  # masked
        await pilot.press("a", *PROD, "enter")
        await wait_until(pilot, lambda: screen.checklist.steps[4].status == "done", what="env applied")
        assert await env_of(demo, PROD) == wanted_env

        await pilot.press("down", "down", "g")  # step 6: close and write the incident log
        await wait_until(pilot, lambda: screen.incident_path is not None, what="the incident log")
        log = screen.incident_path.read_text()

    assert stat.S_IMODE(screen.incident_path.stat().st_mode) == 0o600
    for number in range(7):
        assert f"### Step {number}:" in log
    assert safety in log and good.id in log and "INJECTED_BY_ATTACKER" in log
    assert "evil" not in log and "corrupted-value" not in log
    saved = store.load(screen.checklist.id)
    assert saved.finished and [s.status for s in saved.steps] == [
        "done",
        "done",
        "done",
        "pending",
        "done",
        "pending",
        "done",
    ]
    assert "evil" not in saved.path.read_text()
    assert await documents_of(demo, PROD) == wanted_docs and await env_of(demo, PROD) == wanted_env
