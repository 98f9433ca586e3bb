"""Killing the app in the middle of step 2: a new checklist, opened from the saved file, follows the same
restore import to its end and never starts a second restore."""

from __future__ import annotations

from emergency_support import PROD, HostApp, break_deployment, client_of, documents_of, take_backup, wait_until

from tui.services.checklist.recording import RecordingTarget
from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist import operations as ops
from tui.services.checklist.state import ChecklistStore


async def restores_of(demo, name):
    async with client_of(demo, name) as client:
        return [i for i in await client.list_imports() if i.is_cloud_restore]


async def test_a_new_app_resumes_the_restore_without_a_second_one(demo, target, homes):
    ref = await target.get_deployment(PROD)
    good = await take_backup(target, ref)
    wanted = await documents_of(demo, PROD)
    await break_deployment(demo, PROD)

    # The first app: safety backup, then step 2 staged and confirmed... and then the app dies.
    store = ChecklistStore.in_data_dir(homes.data_dir)
    checklist = store.new(PROD, is_prod=True)
    await ops.safety_backup(checklist, target, ref)
    assert checklist.steps[1].status == "done"
    ops.begin_restore(checklist, good, await ops.table_counts(target, ref))
    recording = RecordingTarget(target, checklist)
    plan = await recording.prepare_restore(good.id, ref)
    await recording.confirm_restore(plan)
    checklist_id, import_id = checklist.id, plan.import_id
    del checklist, recording, plan  # "kill": nothing of the first app survives but the saved file
    before = await restores_of(demo, PROD)
    assert [i.id for i in before].count(import_id) == 1

    # A new app: the screen offers the unfinished checklist; r resumes and follows the same import.
    fresh = ChecklistStore.in_data_dir(homes.data_dir)
    assert fresh.unfinished(PROD).id == checklist_id
    assert fresh.unfinished(PROD).running_operations() == [(2, import_id)]
    app = HostApp(lambda: EmergencyScreen(target, fresh, PROD))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "offer-resume", what="the resume offer")
        assert "step 2" in str(screen.panel.query_one("#em-text").render())
        await pilot.press("r")
        await wait_until(
            pilot, lambda: screen.checklist.steps[2].status == "done", timeout=90, what="the resumed restore to end"
        )
        assert screen.checklist.id == checklist_id
        assert screen.checklist.restore_import_id == import_id
        assert screen.checklist.steps[2].data["counts_after"]

    after = await restores_of(demo, PROD)
    assert len(after) == len(before)  # no second restore was staged or started
    assert [i.id for i in after].count(import_id) == 1
    assert await documents_of(demo, PROD) == wanted
    assert fresh.load(checklist_id).steps[2].status == "done"


async def test_dying_between_recording_and_confirming_drops_the_staged_restore(demo, target, homes):
    ref = await target.get_deployment(PROD)
    good = await take_backup(target, ref)
    await break_deployment(demo, PROD)
    broken = await documents_of(demo, PROD)
    store = ChecklistStore.in_data_dir(homes.data_dir)
    checklist = store.new(PROD, is_prod=True)
    checklist.skip(1, "rehearsing the failure path")
    ops.begin_restore(checklist, good, {})
    plan = await RecordingTarget(target, checklist).prepare_restore(good.id, ref)
    ops.restore_confirmed(checklist, plan)  # recorded, then the app died before the server heard "confirm"

    again = store.load(checklist.id)
    said = await ops.resume(again, target, ref)
    assert said == [f"followed restore {plan.import_id} to waiting_for_confirmation"]
    assert again.steps[2].status == "failed" and "nothing was restored" in again.steps[2].outcome
    states = {i.id: i.state for i in await restores_of(demo, PROD)}
    assert states[plan.import_id] not in ("waiting_for_confirmation", "in_progress", "completed")
    assert await documents_of(demo, PROD) == broken  # never confirmed by the resume
