"""SVG snapshots of checklist step 1 on a Starter deployment at its backup limit (fixed data): the local
safety snapshot is the recommended choice (g), never the fresh backup the plan would refuse. Behaviour is
tested on the sandbox in test_safety_at_limit.py; review the report before updating."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui_snapshots"))

from emergency_support import HostApp  # noqa: E402
from fixed_target import BACKUPS, NOW, FixedTarget  # noqa: E402
from snapshot_checklist import SIZES  # noqa: E402

from tui.screens.emergency.screen import EmergencyScreen  # noqa: E402
from tui.services.restore import safety  # noqa: E402
from tui.services.checklist.state import Checklist, ChecklistStore, StepState  # noqa: E402

STARTER = "witty-marmot-395"  # indie-studio: 2 backups, the most its plan keeps


class StarterAtItsLimit(FixedTarget):
    async def get_deployment(self, name):
        return next(d for d in await self.list_deployments() if d.name == name)

    async def list_backups(self, deployment):
        if deployment.name != STARTER:
            return await super().list_backups(deployment)
        return [replace(b, deployment=STARTER, source_deployment=STARTER) for b in BACKUPS[1:3]]

    async def stored_file_count(self, deployment):
        return 12

    def local_backup_folder(self, deployment):
        return Path("/home/operator/.local/share/convex-backups/local") / deployment.name


@pytest.fixture(autouse=True)
def fixed_machine(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setattr(safety, "utc_now", lambda: NOW)


def starter_checklist(store: ChecklistStore) -> Checklist:
    """Step 0 done on the Starter deployment, at a fixed time (its id is in the title)."""
    at = NOW - timedelta(minutes=5)
    chosen = StepState("done", at, at, "operator", None, f"{STARTER} (PRODUCTION) chosen; pause available")
    checklist = Checklist(
        f"20260302T115500Z-{STARTER}-0001",
        STARTER,
        "Convex Cloud (snapshot fixture)",
        at,
        "operator",
        is_prod=True,
        steps=[chosen, *(StepState() for _ in range(6))],
    )
    checklist.store = store
    return checklist


def make_app(tmp_path) -> HostApp:
    store = ChecklistStore(tmp_path / "checklists")
    return HostApp(
        lambda: EmergencyScreen(
            StarterAtItsLimit(),
            store,
            STARTER,
            checklist=starter_checklist(store),
            clock=lambda: NOW,
            incidents=tmp_path / "incidents",
        )
    )


def run(*keys: str):
    async def before(pilot):
        screen = pilot.app.screen_under_test
        for _ in range(100):
            await pilot.pause(0.05)
            if screen.mode == "steps":
                break
        for _ in range(100):
            await pilot.pause(0.05)
            if screen.safety_step.safety_choices is not None:
                break
        await pilot.press(*keys)
        await pilot.pause(0.6)

    return before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name,keys", [("choices", ()), ("free_a_slot", ("o",))])
def test_step1_at_the_limit_snapshot(snap_compare, tmp_path, name, keys, size):
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run(*keys))
