"""The checklist and the main screen after the app was killed (issues 12 and 13). A kill is simulated as the
app sees it: the first app's checklist is saved as it goes, then a fresh app is built on the same data
folder and nothing of the first survives but the files and the server's state."""

from __future__ import annotations

from types import SimpleNamespace

from emergency_support import (
    PROD,
    HostApp,
    break_deployment,
    client_of,
    documents_of,
    take_backup,
    wait_until,
    shown_table,
)

from deployment_data import open_sandbox
from tui.app import ConvexBackupsApp
from tui.services.checklist.recording import RecordingTarget
from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist import operations as ops
from tui.services.checklist import incident_log
from tui.services.checklist.state import ChecklistStore
from tui.widgets.deployment_tree import DeploymentTree


def text_of(screen, selector="#em-text") -> str:
    """The selected step's text, or another part of the screen (`selector`)."""
    where = screen.panel if selector == "#em-text" else screen
    return str(where.query_one(selector).render())


async def imports_of(demo, name):
    async with client_of(demo, name) as client:
        return {i.id: i for i in await client.list_imports()}


async def test_a_killed_app_shows_the_paused_deployment_and_the_unfinished_checklist(demo, target, homes):
    # The first app: the checklist chooses production and pauses it... then the app is killed.
    store = ChecklistStore.in_data_dir(homes.data_dir)
    first = HostApp(lambda: EmergencyScreen(target, store, PROD))
    async with first.run_test(size=(80, 24)) as pilot:
        screen = first.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps" and screen.pause_supported, what="the checklist")
        table = shown_table(screen)
        table.move_cursor(row=[str(k.value) for k in table.rows].index(PROD))
        await pilot.press("p", *PROD, "enter")
        await wait_until(pilot, lambda: screen.checklist.pause_state == "paused", what="the pause")
        checklist_id = screen.checklist.id

    # The next start: the main screen says PAUSED in words and names the checklist and the key resuming it.
    session = SimpleNamespace(homes=homes, config=None, warnings=[], spec=None)
    app = ConvexBackupsApp(target=target, session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.main
        line = main.query_one("#emergency-line")
        await wait_until(pilot, lambda: line.display and "PAUSED" in str(line.render()), what="the emergency line")
        said = str(line.render())
        assert "Unfinished emergency checklist" in said and PROD in said and "E resumes it" in said
        assert "step 1" in said  # step 0 done by the pause: it stopped at the safety backup
        tree = main.query_one(DeploymentTree)
        tree.move_cursor(tree.deployment_nodes[PROD])
        await wait_until(pilot, lambda: main.current is not None and main.current.name == PROD, what="PROD chosen")
        detail = main.query_one("#detail")
        await wait_until(pilot, lambda: "PAUSED" in str(detail.render()), what="PAUSED in the details")
        await pilot.resize_terminal(120, 40)  # a wide tree has room for the word on the row too
        await wait_until(pilot, lambda: "PAUSED" in tree.deployment_nodes[PROD].label.plain, what="PAUSED in the tree")
        assert not any("PAUSED" in node.label.plain for name, node in tree.deployment_nodes.items() if name != PROD)
        await pilot.resize_terminal(80, 24)

        await pilot.press("E")  # whatever row is highlighted, E offers the unfinished checklist
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, EmergencyScreen) and app.screen.mode == "offer-resume",
            what="the resume offer",
        )
        await pilot.press("r")
        emergency = app.screen
        await wait_until(pilot, lambda: emergency.mode == "steps", what="the resumed checklist")
        assert emergency.checklist.id == checklist_id and emergency.ref.name == PROD
        await wait_until(
            pilot,
            lambda: emergency.is_paused and "PAUSED" in text_of(emergency, "#em-title"),
            what="PAUSED in the checklist's title",
        )


async def test_resume_after_a_kill_at_the_review_cancels_the_staged_restore(demo, target, homes):
    ref = await target.get_deployment(PROD)
    good = await take_backup(target, ref)
    await break_deployment(demo, PROD)
    broken = await documents_of(demo, PROD)

    # The first app reached the restore's review: the restore is staged (waiting for confirmation) and
    # recorded, never confirmed... and the app is killed.
    store = ChecklistStore.in_data_dir(homes.data_dir)
    checklist = store.new(PROD, is_prod=True)
    checklist.done(0, f"{PROD} chosen")
    checklist.skip(1, "rehearsing a kill at the review")
    ops.begin_restore(checklist, good, await ops.table_counts(target, ref))
    recording = RecordingTarget(target, checklist)
    safety = await recording.request_backup(ref, include_storage=True)  # the wizard's safety backup
    async for _ in target.follow_backup(ref, safety.id):
        pass
    plan = await recording.prepare_restore(good.id, ref)
    assert (await imports_of(demo, PROD))[plan.import_id].state == "waiting_for_confirmation"
    checklist_id = checklist.id
    del checklist, recording

    app = HostApp(lambda: EmergencyScreen(target, ChecklistStore.in_data_dir(homes.data_dir), PROD))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "offer-resume", what="the resume offer")
        assert "restore wizard" in text_of(screen)
        await pilot.press("r")
        await wait_until(
            pilot, lambda: screen.checklist.steps[2].status != "running", timeout=60, what="step 2 to say what happened"
        )
        state = screen.checklist.steps[2]
        assert screen.checklist.id == checklist_id
        assert state.status == "failed" and state.data["nothing_restored"]
        assert plan.import_id in state.outcome and "canceled on the server" in state.outcome
        assert "nothing was restored" in state.outcome
        assert f"the restore's safety backup {safety.id} is complete" in state.outcome
        assert (await imports_of(demo, PROD))[plan.import_id].state == "failed"  # canceled: blocks nothing
        assert await documents_of(demo, PROD) == broken

        # Step 2 works again: the backups are offered and g is not refused.
        screen.select_step(2)
        table = shown_table(screen)
        await wait_until(
            pilot, lambda: table.display and good.id in [str(k.value) for k in table.rows], what="the backups again"
        )
        assert screen.check_action("run_step", ()) and "canceled on the server" in text_of(screen)
    again = await target.prepare_restore(good.id, ref)  # not refused: nothing waits for confirmation
    await target.abandon_restore(again)


async def test_a_restore_staged_but_never_recorded_is_found_and_canceled(demo, target, homes):
    """Killed between the server staging the restore and the checklist recording its id: resuming still
    finds it (the same backup, staged since step 2 began) and cancels it."""
    ref = await target.get_deployment(PROD)
    good = await take_backup(target, ref)
    store = ChecklistStore.in_data_dir(homes.data_dir)
    checklist = store.new(PROD, is_prod=True)
    checklist.done(0, f"{PROD} chosen")
    checklist.skip(1, "rehearsing a kill while staging")
    ops.begin_restore(checklist, good, await ops.table_counts(target, ref))
    plan = await target.prepare_restore(good.id, ref)  # staged on the server; the checklist never heard of it

    again = store.load(checklist.id)
    assert ops.needs_resume(again) and again.running_operations() == []
    said = await ops.resume(again, target, ref)
    assert len(said) == 1 and plan.import_id in said[0] and "canceled on the server" in said[0]
    assert again.steps[2].status == "failed" and again.steps[2].data["canceled_imports"] == [plan.import_id]
    assert (await imports_of(demo, PROD))[plan.import_id].state == "failed"


async def test_a_restore_lost_with_the_sandbox_says_which_import_and_is_followed_after(demo, target, homes, tmp_path):
    """The sandbox dies mid-restore: step 2 stays running and says which import, that it carries on on
    the server and how to follow it; a new app follows it to its end, the Before/After table has numbers,
    and the incident log names the restore even after step 2 is redone."""
    ref = await target.get_deployment(PROD)
    good = await take_backup(target, ref)
    wanted = await documents_of(demo, PROD)
    await break_deployment(demo, PROD)
    store = ChecklistStore.in_data_dir(homes.data_dir)
    checklist = store.new(PROD, is_prod=True)
    checklist.done(0, f"{PROD} chosen")
    checklist.skip(1, "rehearsing a lost sandbox")
    ops.begin_restore(checklist, good, await ops.table_counts(target, ref))
    recording = RecordingTarget(target, checklist)
    plan = await recording.prepare_restore(good.id, ref)
    demo.set_throttle(PROD, 0.5)  # slow enough to be killed in the middle
    await recording.confirm_restore(plan)

    app = HostApp(lambda: EmergencyScreen(target, store, PROD, checklist=checklist))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: "resume" in screen.busy, what="following the restore")
        demo.kill()
        await wait_until(pilot, lambda: "resume" not in screen.busy, timeout=90, what="following to fail")
        screen.select_step(2)
        await pilot.pause(0.2)
        said = text_of(screen)
        assert plan.import_id in said and "carries on on the server" in said
        assert f"convex-backups imports --deployment {PROD}" in said
        assert screen.checklist.steps[2].status == "running"  # not "failed" with a table of "–"
        assert not shown_table(screen).display

    demo.start()
    fresh_target = await open_sandbox(demo, homes)
    try:
        fresh = ChecklistStore.in_data_dir(homes.data_dir)
        app = HostApp(lambda: EmergencyScreen(fresh_target, fresh, PROD, incidents=tmp_path / "incidents"))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen_under_test
            await wait_until(pilot, lambda: screen.mode == "offer-resume", what="the resume offer")
            await pilot.press("r")
            await wait_until(
                pilot,
                lambda: screen.checklist.steps[2].status == "done",
                timeout=120,
                what="the restore followed to its end",
            )
            screen.select_step(2)
            await pilot.pause(0.2)
            table = shown_table(screen)
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            assert rows and all(str(after) not in ("–", "not read") for _, _, after in rows)
            screen.checklist.reset(2)  # redone: the completed restore must still be in the log
            log = incident_log.render(screen.checklist)
        assert f"Restored from backup: {good.id} (import {plan.import_id}" in log
        assert await documents_of(demo, PROD) == wanted
    finally:
        await fresh_target.aclose()
