"""SVG snapshots of the pause prompts at 120x40 and 80x24: step 0 offering to pause, the confirmation that
says what pausing stops, step 0 once paused, and step 6 offering to unpause (and its confirmation). Drawn
on the snapshot fixture target with a paused flag; behaviour is tested on the sandbox (test_pause_flow.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui_snapshots"))

from emergency_support import HostApp  # noqa: E402
from fixed_target import NOW  # noqa: E402
from snapshot_checklist import SIZES, fixed_checklist  # noqa: E402
from test_snapshots_emergency import EmergencyFixedTarget, fixed_machine  # noqa: E402,F401
from textual.widgets import Input  # noqa: E402

from tui.screens.emergency.screen import EmergencyScreen  # noqa: E402
from tui.services.checklist.state import ChecklistStore, StepState  # noqa: E402
from tui.services.protocol import DeploymentState  # noqa: E402

PAUSED_AT = "2026-03-02T11:41:00+00:00"


class PausableFixedTarget(EmergencyFixedTarget):
    """The fixture target with a deployment state (snapshots only)."""

    can_pause = True

    def __init__(self, paused: bool) -> None:
        self.state = DeploymentState(user="paused" if paused else "none")

    async def deployment_state(self, deployment):
        return self.state

    async def pause_deployment(self, deployment):
        self.state = DeploymentState(user="paused")
        return self.state

    async def unpause_deployment(self, deployment):
        self.state = DeploymentState()
        return self.state


def make_app(tmp_path, fresh: bool, paused: bool) -> HostApp:
    store = ChecklistStore(tmp_path / "checklists")
    checklist = fixed_checklist(store)
    if fresh:
        checklist.steps = [StepState() for _ in checklist.steps]
    if paused:
        checklist.pause_events = [
            {"action": "pause requested", "at": PAUSED_AT, "who": "operator", "note": ""},
            {"action": "paused", "at": PAUSED_AT, "who": "operator", "note": ""},
        ]
    return HostApp(
        lambda: EmergencyScreen(
            PausableFixedTarget(paused),
            store,
            "brave-marmot-193",
            checklist=checklist,
            clock=lambda: NOW,
            incidents=tmp_path / "incidents",
        )
    )


def run(steps_down: int, *keys: str):
    async def before(pilot):
        screen = pilot.app.screen_under_test
        for _ in range(100):
            await pilot.pause(0.05)
            if screen.mode == "steps":
                break
        for box in screen.query(Input):
            box.cursor_blink = False  # a blinking cursor would be drawn or not by chance
        await pilot.press("home", *(["down"] * steps_down), *keys)
        await pilot.pause(0.6)

    return before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "name,fresh,paused,down,keys",
    [
        ("step0_offer", True, False, 0, ()),
        ("step0_confirm", True, False, 0, ("p",)),
        ("step0_paused", False, True, 0, ()),
        ("step6_unpause_offer", False, True, 6, ()),
        ("step6_unpause_confirm", False, True, 6, ("u",)),
    ],
)
def test_pause_snapshot(snap_compare, tmp_path, name, fresh, paused, down, keys, size):
    assert snap_compare(make_app(tmp_path, fresh, paused), terminal_size=size, run_before=run(down, *keys))
