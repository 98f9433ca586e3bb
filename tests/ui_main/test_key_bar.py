"""The main screen's key bar (tui/widgets/key_bar.py) on a real seeded sandbox: the keys that work here,
help first, dimmed while they need a backup and none is selected, a click presses the key, and the line is
not rebuilt when nothing it shows changed."""

from __future__ import annotations

from pilot_support import choose, wait_for_screen, wait_until

from tui.app import ConvexBackupsApp
from tui.screens.dialogs.download import DownloadDialog
from tui.screens.dialogs.help import HelpScreen
from tui.widgets.key_bar import KeyBar


def _span(bar: KeyBar, description: str):
    return next((start, end, key) for start, end, key in bar.drawn_keys if key.description == description)


async def test_key_bar_shows_the_keys_dims_the_unavailable_and_clicks_press(open_demo):
    target = await open_demo()
    refs = await target.list_deployments()
    with_backups = empty = None
    for ref in refs:
        if any(b.state == "complete" for b in await target.list_backups(ref)):
            with_backups = with_backups or ref
        elif not await target.list_backups(ref):
            empty = empty or ref
    assert with_backups is not None and empty is not None
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, empty.name)
        bar = screen.query_one(KeyBar)
        await wait_until(pilot, lambda: bar.drawn_keys, what="the key bar drawn")
        line = bar.render().plain
        assert line.startswith(" ? Help ") and "Back up now" in line and line.rstrip().endswith("^pCommands")
        assert not _span(bar, "Download")[2].enabled  # no backup selected: shown, dimmed

        start, _end, _key = _span(bar, "Download")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause(0.2)
        assert app.screen is screen  # a dimmed key does nothing

        await choose(pilot, app, with_backups.name)
        await wait_until(pilot, lambda: _span(bar, "Download")[2].enabled, what="Download enabled")
        start, _end, _key = _span(bar, "Download")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await wait_for_screen(pilot, app, DownloadDialog, "download dialog from a click")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, what="back on the main screen")

        drawn = bar.render
        calls = []
        bar.render = lambda: calls.append(1) or drawn()
        screen.refresh_bindings()  # same keys, same states: nothing to repaint
        await pilot.pause(0.2)
        assert calls == []

        start, _end, _key = _span(bar, "Help")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await wait_for_screen(pilot, app, HelpScreen, "help from a click")
