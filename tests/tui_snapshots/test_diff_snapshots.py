"""SVG snapshots of the diff screen at 120x40 and 80x24: the tables, one table's documents, one document's
fields, on two fixed ZIPs (diff_data.py) inside the real app."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from diff_data import write_pair  # noqa: E402
from test_snapshots import SIZES, make_app, settle, utc  # noqa: E402,F401

from tui.screens.restore.diff import DiffScreen  # noqa: E402


def opened(folder: Path, *keys: str):
    async def before(pilot):
        await settle(pilot)
        screen = DiffScreen(None, None, None, paths=write_pair(folder))
        pilot.app.push_screen(screen)
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.store is not None:
                break
        assert screen.store is not None, "the diff did not finish"
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.2)
        await pilot.pause(0.3)

    return before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "name,keys",
    [
        ("tables", ()),
        ("documents", ("down", "enter")),
        ("fields", ("down", "enter", "enter")),
    ],
)
def test_diff_snapshot(snap_compare, tmp_path, name, keys, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=opened(tmp_path, *keys))
