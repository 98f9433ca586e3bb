"""SVG snapshots of the main screen with a deployment's trend at 120x40 and 80x24: the documents and size
sparklines at the top of the details pane, and a backup flagged "DROP customers -40%" in words next to its
state (fixed data, frozen clock, counts already known in the data folder)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != ROOT:
    sys.path.insert(0, ROOT)
sys.path.insert(0, str(Path(__file__).parent))

from fixed_target import NOW, FixedTarget, _backup  # noqa: E402

from tui.app import ConvexBackupsApp  # noqa: E402
from tui.services.snapshots.stats import BackupStats, StatsCache  # noqa: E402
from tui.widgets.trend_panel import TrendPanel  # noqa: E402

DEPLOYMENT = "brave-marmot-193"
# (backup id, days ago, customers, orders, messages, MB): customers fall 40% in 8000104, then grow back
HISTORY = [
    ("8000101", 7, 5000, 12000, 30000, 41.0),
    ("8000102", 6, 5100, 12400, 30900, 42.2),
    ("8000103", 5, 5200, 12900, 31800, 43.5),
    ("8000104", 4, 3120, 13300, 32600, 41.9),
    ("8000105", 3, 3300, 13800, 33500, 43.1),
    ("8000106", 2, 3500, 14200, 34400, 44.6),
    ("8000107", 1, 3650, 14700, 35200, 45.8),
]
BACKUPS = [
    _backup(id, "complete", days * 24, took=90, size=int(mb * 1e6), kind="daily")
    for id, days, *_, mb in reversed(HISTORY)
]


class TrendTarget(FixedTarget):
    def __init__(self, data_dir: Path) -> None:
        self.store = SimpleNamespace(root=data_dir / "backups")  # the stats live beside the backup store

    async def list_backups(self, deployment):
        return list(BACKUPS) if deployment.name == DEPLOYMENT else []


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")


def make_app(data_dir: Path) -> ConvexBackupsApp:
    cache = StatsCache.for_data_dir(data_dir)
    for id, days, customers, orders, messages, mb in HISTORY:
        cache.put(
            DEPLOYMENT,
            BackupStats(
                id,
                NOW - timedelta(days=days),
                int(mb * 1e6),
                {"customers": customers, "orders": orders, "messages": messages},
                "zip",
            ),
        )
    return ConvexBackupsApp(target=TrendTarget(data_dir), clock=lambda: NOW)


async def settle(pilot) -> None:
    screen = pilot.app.screen
    for _ in range(200):
        await pilot.pause(0.05)
        if (
            screen.current is not None
            and screen.query_one("#detail").facts_loaded
            and screen.query_one(TrendPanel).display
            and screen.query_one("#backups").flags
        ):
            break
    await pilot.pause(0.3)
    assert screen.query_one(TrendPanel).display, "the trend never showed"


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_trend_snapshot(snap_compare, size, tmp_path):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("tab", "down", "down", "down")  # the flagged backup, 8000104
        await pilot.pause(0.3)

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=before)
