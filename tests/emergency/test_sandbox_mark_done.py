"""Step 3 on the sandbox, which runs no code: "m Mark done" (pushed by hand) is not offered in the footer,
and m says why instead of doing nothing."""

from __future__ import annotations

from emergency_support import HostApp, wait_until

from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist.state import ChecklistStore


async def test_mark_done_is_hidden_on_the_sandbox_and_m_says_why(sandbox, fresh_target, homes, tmp_path):
    store = ChecklistStore.in_data_dir(homes.data_dir)
    app = HostApp(
        lambda: EmergencyScreen(
            target=fresh_target, store=store, deployment=sandbox.name, incidents=tmp_path / "incidents"
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.mode == "steps", what="the checklist")
        await pilot.press("g", "s", *"a rehearsal on the sandbox", "enter")  # step 0, then skip step 1
        await pilot.press("down", "down")
        assert screen.selected == 3 and screen.on_sandbox
        await pilot.pause(0.1)
        shown = {b.binding.action for b in screen.active_bindings.values() if b.enabled and b.binding.show}
        assert "mark_done" not in shown and "run_step" in shown
        await pilot.press("m")
        await wait_until(
            pilot, lambda: any("The sandbox runs no code" in str(n.message) for n in app.shown), what="the reason"
        )
        assert screen.checklist.steps[3].status == "pending"
