"""Pausing from the checklist on the sandbox: p at step 0 (typed name), what step 5 says while paused, u at
step 6, the incident log, and a pause whose answer was never recorded (the app died) reconciled on resume."""

from __future__ import annotations

from emergency_support import PROD, HostApp, client_of, wait_until

from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist import operations as ops
from tui.services.checklist.state import ChecklistStore


async def server_state(demo) -> str:
    async with client_of(demo, PROD) as client:
        return (await client.backend_state()).user


def text_of(screen) -> str:
    return str(screen.panel.query_one("#em-text").render())


def actions(checklist) -> list[str]:
    return [e["action"] for e in checklist.pause_events]


async def test_pause_at_step0_then_unpause_at_step6(demo, target, homes):
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(target, store, PROD, incidents=homes.data_dir / "incidents"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps" and screen.pause_supported, what="the checklist")
        assert "p: choose the highlighted deployment and pause it first" in text_of(screen)
        assert "HTTP actions" in text_of(screen) and "code pushes" in text_of(screen)  # what it does and does not

        await pilot.press("p", *"not-the-name", "enter")  # a wrong name changes nothing
        await pilot.pause(0.3)
        assert await server_state(demo) == "none" and screen.checklist.pause_events == []

        await pilot.press("p", *PROD, "enter")
        await wait_until(pilot, lambda: screen.checklist.pause_state == "paused", what="the pause")
        assert await server_state(demo) == "paused"
        assert actions(screen.checklist) == ["pause requested", "paused"]
        assert screen.checklist.steps[0].status == "done" and screen.ref.name == PROD
        assert "PAUSED" in str(screen.query_one("#em-title").render())
        assert store.load(screen.checklist.id).pause_state == "paused"  # saved at once

        await pilot.press("s", *"rehearsing the pause path", "enter")  # skip step 1 so step 5 opens
        for _ in range(4):
            await pilot.press("down")
        await wait_until(pilot, lambda: "Tables and their document counts" in text_of(screen), what="step 5")
        assert "a user fix-up mutation cannot run until it is unpaused" in text_of(screen)
        await pilot.press("u")
        await wait_until(pilot, lambda: "Unpause it at step 6" in text_of(screen), what="the paused answer")

        await pilot.press("down")  # step 6
        await wait_until(pilot, lambda: "still PAUSED" in text_of(screen), what="step 6")
        await pilot.press("u", *PROD, "enter")
        await wait_until(pilot, lambda: screen.checklist.pause_state == "unpaused", what="the unpause")
        assert await server_state(demo) == "none"
        await pilot.press("g")
        await wait_until(pilot, lambda: screen.incident_path is not None, what="the incident log")
        log = screen.incident_path.read_text()
    assert "## Pausing" in log and "| paused |" in log and "| unpaused |" in log
    assert "- Paused: no (last: unpaused)" in log


async def test_closing_while_paused_says_so_in_the_log(demo, target, homes):
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(target, store, PROD, incidents=homes.data_dir / "incidents"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps" and screen.pause_supported, what="the checklist")
        await pilot.press("p", *PROD, "enter")
        await wait_until(pilot, lambda: screen.checklist.pause_state == "paused", what="the pause")
        screen.select_step(6)
        await pilot.press("g")
        await wait_until(pilot, lambda: screen.incident_path is not None, what="the incident log")
        log = screen.incident_path.read_text()
    assert "left paused at close" in log and "- Paused: still paused" in log
    assert await server_state(demo) == "paused"


async def test_a_pause_sent_before_a_crash_is_reconciled_on_resume(demo, target, homes):
    ref = await target.get_deployment(PROD)
    store = ChecklistStore.in_data_dir(homes.data_dir)
    checklist = store.new(PROD, is_prod=True)
    checklist.record_pause("pause requested")  # recorded, sent... and the app died before the answer
    await target.pause_deployment(ref)
    checklist_id = checklist.id
    del checklist

    fresh = ChecklistStore.in_data_dir(homes.data_dir)
    assert fresh.unfinished(PROD).running_operations() == [(0, "pause")]
    app = HostApp(lambda: EmergencyScreen(target, fresh, PROD))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "offer-resume", what="the resume offer")
        assert "step 0 (pause)" in text_of(screen)
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.checklist.pause_state == "found paused", what="the reconcile")
        await wait_until(pilot, lambda: screen.live_state is not None and screen.live_state.paused, what="state")
        screen.select_step(6)
        await wait_until(
            pilot,
            lambda: screen.check_action("unpause", ()) and not screen.check_action("pause", ()),
            what="unpause offered on step 6",
        )
    assert fresh.load(checklist_id).running_operations() == []


async def test_an_unpause_sent_before_a_crash_that_did_not_arrive(demo, target, homes):
    ref = await target.get_deployment(PROD)
    await target.pause_deployment(ref)
    checklist = ChecklistStore.in_data_dir(homes.data_dir).new(PROD, is_prod=True)
    checklist.record_pause("paused")
    checklist.record_pause("unpause requested")  # never reached the server
    said = await ops.resume(checklist, target, ref)
    assert said == ["unpause requested: found paused"] and checklist.paused
    assert await server_state(demo) == "paused"


async def test_a_key_pressed_just_before_a_redraw_of_the_steps_is_kept(demo, target, homes):
    """The live-state refresh redraws the step list while the message of a key that moved the cursor still
    waits in the queue: the cursor stays where the key put it, and that step's panel is drawn."""
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(lambda: EmergencyScreen(target, store, PROD, incidents=homes.data_dir / "incidents"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps" and screen.pause_supported, what="the checklist")
        steps = screen.query_one("#em-steps")
        start = screen.selected
        steps.action_cursor_down()  # as the key does; its OptionHighlighted message is queued, not handled
        screen.redraw_steps()  # a refresh lands first
        await wait_until(pilot, lambda: screen.selected == start + 1, what="the step under the cursor")
        assert steps.highlighted == start + 1
        assert f"Step {start + 1}" in str(screen.query_one("#em-step-title").render())
