"""SVG snapshots of each checklist step at 120x40 and 80x24 on fixed data (the snapshot fixture target of
tests/tui_snapshots, a fixed checklist and a frozen clock). Behaviour is tested on the real sandbox in the
other files here; review the report before updating (`--snapshot-update`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui_snapshots"))

from emergency_support import HostApp  # noqa: E402
from fixed_target import NOW, FixedTarget  # noqa: E402
from snapshot_checklist import SIZES, fixed_checklist  # noqa: E402

from tui.screens.emergency import step_code  # noqa: E402
from tui.screens.emergency.screen import EmergencyScreen  # noqa: E402
from tui.services.checklist import code_push  # noqa: E402
from tui.services.checklist.state import ChecklistStore, StepState  # noqa: E402


class EmergencyFixedTarget(FixedTarget):
    async def get_deployment(self, name):
        return next(d for d in await self.list_deployments() if d.name == name)


@pytest.fixture(autouse=True)
def fixed_machine(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setattr(code_push, "missing_tools", lambda command: [])
    monkeypatch.setattr(step_code.code_push, "find_project", lambda start=None: None)


def make_app(tmp_path, fresh: bool) -> HostApp:
    store = ChecklistStore(tmp_path / "checklists")
    checklist = fixed_checklist(store)
    if fresh:
        checklist.steps = [StepState() for _ in checklist.steps]
    return HostApp(
        lambda: EmergencyScreen(
            EmergencyFixedTarget(),
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
        await pilot.press("home", *(["down"] * steps_down), *keys)
        await pilot.pause(0.6)

    return before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "name,fresh,down,keys",
    [
        ("step0_choose", True, 0, ()),
        ("step1_done", False, 1, ()),
        ("step2_counts", False, 2, ()),
        ("step2_choose", False, 2, ("x",)),
        ("step3_by_hand", False, 3, ()),
        ("step4_env", False, 4, ()),
        ("step6_close", False, 6, ()),
    ],
)
def test_emergency_snapshot(snap_compare, tmp_path, name, fresh, down, keys, size):
    assert snap_compare(make_app(tmp_path, fresh), terminal_size=size, run_before=run(down, *keys))
