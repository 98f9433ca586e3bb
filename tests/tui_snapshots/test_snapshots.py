"""SVG snapshots of the main screen and each dialog at 120x40 and 80x24, on fixed data (see
fixed_target.py) with a frozen clock and UTC as the local zone. Review the report before updating.

Look at an SVG through tests/make_screenshots.py's `to_png`, not a bare `rsvg-convert`: librsvg drops the
no-break spaces that open a text run, so a table's continuation line (the help's "What it does") seems to
start at column 0 when the app draws it in its column."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[0] != ROOT:
    sys.path.insert(0, ROOT)
sys.path.insert(0, str(Path(__file__).parent))

from fixed_target import NOW, FixedTarget  # noqa: E402
from pilot_host import wait_until  # noqa: E402

from tui.app import ConvexBackupsApp  # noqa: E402
from tui.widgets.progress_panel import ProgressPanel  # noqa: E402

SIZES = [(120, 40), (80, 24)]


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    import tui.services.downloads.downloader as downloads

    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setattr(downloads, "default_download_folder", lambda: Path("/home/operator/Downloads"))


def make_app() -> ConvexBackupsApp:
    return ConvexBackupsApp(target=FixedTarget(), clock=lambda: NOW)


def _progress_shown(screen) -> bool:
    """The running backup's first progress (which FixedTarget sends at once) has reached its row. Without
    this wait, a loaded machine took the snapshot while the row still showed only its title."""
    rows = screen.query_one(ProgressPanel).rows.values()
    return any(row.progress.state == "inProgress" for row in rows)


def _starting(app) -> bool:
    """What the main screen asks for once the backups are painted (the imports, the pause state, the trend) is
    still being read: its answers change the screen, also under a dialog opened meanwhile."""
    return any(w.is_running and w.group in ("imports", "emergency-facts", "trend") for w in app.workers)


async def settle(pilot) -> None:
    screen = pilot.app.screen
    for _ in range(200):
        await pilot.pause(0.05)
        if (
            screen.current is not None
            and screen.query_one("#detail").facts_loaded
            and screen.following
            and _progress_shown(screen)
            and not _starting(pilot.app)
        ):
            break
    await pilot.pause(0.3)
    assert screen.current is not None, "the main screen did not fill in"
    assert _progress_shown(screen), "the running backup's progress never reached the screen"


def run(*keys: str):
    async def before(pilot):
        await settle(pilot)
        main = pilot.app.screen
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.3)
        # A key that moves to another deployment redraws the progress panel: its row shows the running backup's
        # progress again once the next progress event reaches it (under load, later than the pauses above).
        await wait_until(pilot, lambda: _progress_shown(main), what="the running backup's progress, again")
        await pilot.pause(0.3)

    return before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "name,keys",
    [
        ("main", ()),
        ("backup_now", ("b",)),
        ("delete_confirm", ("tab", "down", "d")),
        ("periodic_pro", ("p",)),
        ("download", ("tab", "down", "w")),
        ("help", ("question_mark",)),
        ("env_vars", ("e",)),
        ("periodic_starter", ("end", "p")),
    ],
)
def test_snapshot(snap_compare, name, keys, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=run(*keys))
