"""SVG snapshots at 80x24 of the checklist in the states a killed app or a lost connection leaves: a step
before the deployment is chosen, step 2 after resuming a restore killed at its review (canceled on the
server, the backups offered again), and step 2 while the connection to a running restore is lost (which
import, that it carries on, how to follow it). Fixed data (tests/tui_snapshots), a frozen clock; review
the report before updating (`--snapshot-update`)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui_snapshots"))

from emergency_support import HostApp, shown_table  # noqa: E402
from fixed_target import NOW  # noqa: E402
from snapshot_checklist import fixed_checklist  # noqa: E402
from test_snapshots_emergency import EmergencyFixedTarget  # noqa: E402

from tui.api.errors import NetworkError  # noqa: E402
from tui.screens.emergency.screen import EmergencyScreen  # noqa: E402
from tui.services.checklist.state import ChecklistStore, StepState  # noqa: E402

CANCELED = (
    "the app stopped at the restore's review; the staged restore imp-8 was never confirmed and was "
    "canceled on the server; nothing was restored, the data is as it was (g starts the restore again)"
)


class LostTarget(EmergencyFixedTarget):
    """The deployment stopped answering while its restore ran."""

    async def restore_result(self, plan):
        raise NetworkError(f"Could not connect to {plan.target.name} (connection refused).")


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")


def make_app(tmp_path, scene: str) -> HostApp:
    store = ChecklistStore(tmp_path / "checklists")
    checklist = fixed_checklist(store)
    at = NOW - timedelta(minutes=10)
    target = EmergencyFixedTarget()
    if scene == "unchosen":
        checklist.steps = [StepState() for _ in checklist.steps]
    elif scene == "dropped":
        checklist.steps[2] = StepState(
            "failed",
            at,
            at + timedelta(minutes=1),
            "operator",
            None,
            CANCELED,
            {
                "backup_id": "8000011",
                "import_id": "imp-8",
                "confirmed": False,
                "nothing_restored": True,
                "counts_before": {"orders": 39_100},
                "counts_after": {"orders": 39_100},
                "canceled_imports": ["imp-8"],
            },
        )
    elif scene == "lost":
        checklist.steps[2] = StepState(
            "running",
            at,
            None,
            "operator",
            None,
            None,
            {"backup_id": "8000011", "import_id": "imp-8", "confirmed": True, "counts_before": {"orders": 39_100}},
        )
        target = LostTarget()
    return HostApp(
        lambda: EmergencyScreen(
            target, store, "brave-marmot-193", checklist=checklist, clock=lambda: NOW, incidents=tmp_path / "incidents"
        )
    )


def run(step: int, scene: str):
    async def before(pilot):
        screen = pilot.app.screen_under_test
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.mode == "steps" and (scene != "lost" or screen.restore_lost is not None):
                break
        await pilot.press("home", *(["down"] * step))
        for _ in range(100):
            await pilot.pause(0.05)
            if scene != "dropped" or shown_table(screen).row_count:
                break
        pilot.app.clear_notifications()  # the toasts come and go with time; the panel says it all
        await pilot.pause(0.3)

    return before


@pytest.mark.parametrize("scene,step", [("unchosen", 1), ("dropped", 2), ("lost", 2)])
def test_after_a_kill_snapshot(snap_compare, tmp_path, scene, step):
    assert snap_compare(make_app(tmp_path, scene), terminal_size=(80, 24), run_before=run(step, scene))
