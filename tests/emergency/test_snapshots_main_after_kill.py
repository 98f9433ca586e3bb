"""SVG snapshot at 80x24 of the main screen's next start after the app was killed mid-emergency: the
production deployment paused (PAUSED in words: the line under the header, the tree, the details) and its
unfinished checklist with the key that resumes it. Fixed data (tests/tui_snapshots), a frozen clock, a
checklist saved in the data folder; review the report before updating (`--snapshot-update`)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui_snapshots"))

from fixed_target import NOW, FixedTarget  # noqa: E402
from snapshot_checklist import fixed_checklist  # noqa: E402
from test_snapshots import settle  # noqa: E402

from tui.app import ConvexBackupsApp  # noqa: E402
from tui.services.checklist.state import ChecklistStore, StepState  # noqa: E402
from tui.services.config.settings import Homes  # noqa: E402
from tui.services.protocol import DeploymentState  # noqa: E402

PAUSED = "brave-marmot-193"


class PausedTarget(FixedTarget):
    can_pause = True

    async def deployment_state(self, deployment):
        return DeploymentState(user="paused" if deployment.name == PAUSED else "none")

    async def pause_deployment(self, deployment):
        return await self.deployment_state(deployment)

    async def unpause_deployment(self, deployment):
        return await self.deployment_state(deployment)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    import tui.services.downloads.downloader as downloads

    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setattr(downloads, "default_download_folder", lambda: Path("/home/operator/Downloads"))


def make_app(tmp_path) -> ConvexBackupsApp:
    homes = Homes(tmp_path / "config", tmp_path / "data")
    store = ChecklistStore.in_data_dir(homes.data_dir)
    checklist = fixed_checklist(store)  # steps 0-2 done on brave-marmot-193...
    checklist.steps[2] = StepState()  # ...killed before step 2, after pausing
    checklist.pause_events = [{"action": "paused", "at": NOW.isoformat(), "who": "operator", "note": ""}]
    checklist.save()
    session = SimpleNamespace(homes=homes, config=None, warnings=[], spec=None)
    return ConvexBackupsApp(target=PausedTarget(), session=session, clock=lambda: NOW)


async def before(pilot):
    await settle(pilot)
    line = pilot.app.screen.query_one("#emergency-line")
    for _ in range(200):
        if line.display and "PAUSED" in str(line.render()):
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)


def test_main_screen_after_a_kill_snapshot(snap_compare, tmp_path):
    assert snap_compare(make_app(tmp_path), terminal_size=(80, 24), run_before=before)
