"""Legible under pressure at 80x24, against a real seeded sandbox, read from what is drawn (no colour):
backup ids whole, the backups table's state, age, size and files without sideways scrolling, the running
backup's message and time left, checkboxes that say on/off under NO_COLOR, the cursor's row marked by a
glyph, and no "None" on any screen reachable from the main screen."""

from __future__ import annotations

import pytest
from pilot_support import choose, record_notifications, screen_settled, wait_for_screen, wait_until
from screen_text import screen_lines, widget_lines, widget_text

from tui.app import ConvexBackupsApp
from tui.screens.dialogs.backup_now import BackupNowDialog
from tui.screens.main.screen import MainScreen
from tui.screens.dialogs.periodic import PeriodicDialog
from tui.services.protocol import Schedule
from tui.widgets.backup_table import BackupTable
from tui.widgets.deployment_tree import DeploymentTree
from tui.widgets.progress_panel import ProgressPanel
from tui.widgets.state_checkbox import StateCheckbox

SIZE = (80, 24)
KEPT = ("state", "requested", "size", "storage")  # the columns that must stay whole at 80 columns


@pytest.fixture(autouse=True)
def no_color(monkeypatch):
    """Every test here reads the screen as a terminal without colour shows it."""
    monkeypatch.setenv("NO_COLOR", "1")


async def _acme(target, prod: bool):
    return next(d for d in await target.list_deployments() if d.team == "acme-corp" and d.is_prod == prod)


async def _with_backups(sandbox, target, ref, count: int):
    """At least `count` backups of `ref` (every other one with file storage), each one finished: taken without
    the sandbox's throttle, which is there for the tests that watch a backup run."""
    backups = await target.list_backups(ref)
    with sandbox.throttled(ref.name, 0.0):
        while len(backups) < count:
            record = await target.request_backup(ref, include_storage=len(backups) % 2 == 0)
            async for _ in target.follow_backup(ref, record.id):
                pass
            backups = await target.list_backups(ref)
    return backups


async def test_backups_table_keeps_state_age_size_files_whole_without_sideways_scrolling(open_demo, demo_sandbox):
    target = await open_demo()
    ref = await _acme(target, prod=False)
    backups = await _with_backups(demo_sandbox, target, ref, 6)
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=SIZE) as pilot:
        screen = await choose(pilot, app, ref.name)
        table = screen.query_one(BackupTable)
        await wait_until(pilot, lambda: len(table.shown) == len(backups), what="every backup in the table")
        await pilot.pause(0.2)
        keys = [column.key.value for column in table.ordered_columns]
        assert keys[:4] == list(KEPT)
        assert table.max_scroll_x == 0, f"the table scrolls sideways: {keys}"
        assert table.virtual_size.width <= table.scrollable_content_region.width
        drawn = widget_lines(app, table)
        header = drawn[0]
        assert "State" in header and ("Age" in header or "Requested" in header) and "Size" in header
        assert "Files" in header
        for backup, line in zip(table.shown, drawn[1:]):
            assert (" yes " if backup.include_storage else " no ") in line + " ", line
        # Exact times (t) and the filter box (/, which leaves fewer rows and so a scrollbar) still fit.
        table.focus()
        await pilot.press("t", "slash")
        await wait_until(pilot, lambda: screen.query_one("#filter").has_focus, what="the filter box")
        await pilot.pause(0.3)
        assert table.exact_times
        assert table.row_count + 1 > table.size.height  # rows below the fold: the vertical scrollbar is there
        assert [column.key.value for column in table.ordered_columns][:4] == list(KEPT)
        assert table.max_scroll_x == 0
        assert "(UTC)" in widget_lines(app, table)[0]


async def test_backup_ids_are_whole_where_they_are_shown(open_demo, demo_sandbox):
    """Every backup's id is drawn whole for the row under the cursor, so two backups never look alike; also
    on a deployment whose details are long (a periodic schedule and the plan's limits)."""
    target = await open_demo()
    ref = await _acme(target, prod=False)
    backups = await _with_backups(demo_sandbox, target, ref, 3)
    await target.set_schedule(ref, Schedule("weekly", 3, 30, 1, True))
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=SIZE) as pilot:
        screen = await choose(pilot, app, ref.name)
        table = screen.query_one(BackupTable)
        await wait_until(pilot, lambda: len(table.shown) == len(backups), what="every backup in the table")
        table.focus()
        detail = screen.query_one("#detail-pane")
        for row, backup in enumerate(list(table.shown)):
            table.move_cursor(row=row)
            await wait_until(
                pilot,
                lambda: f"Backup {backup.id}:" in widget_text(app, detail),
                what=f"backup {backup.id}'s whole id in the details on screen",
            )
        # Wherever an id is printed in the table, it is printed whole.
        if "id" in [column.key.value for column in table.ordered_columns]:
            text = widget_text(app, table)
            assert all(b.id in text for b in table.shown)


async def test_running_backup_shows_its_message_and_time_left(open_demo, demo_sandbox):
    target = await open_demo()
    ref = await _acme(target, prod=True)
    with demo_sandbox.throttled(ref.name, 1.0):
        app = ConvexBackupsApp(target=target)
        async with app.run_test(size=SIZE) as pilot:
            screen = await choose(pilot, app, ref.name)
            await pilot.press("b")
            await wait_for_screen(pilot, app, BackupNowDialog, what="backup dialog")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="dialog closed")
            panel = screen.query_one(ProgressPanel)
            pane = screen.query_one("#progress-pane")

            def shown():
                rows = [row for row in panel.rows.values() if row.progress.message and not row.progress.finished]
                if not rows:
                    return None
                text = " ".join(line.strip(" │╭╮╰╯─") for line in widget_lines(app, pane))
                progress = rows[0].progress
                left = "left" in text if progress.eta is not None else "no estimate" in text
                return progress.message in text and left and progress

            progress = await wait_until(pilot, shown, timeout=60, what="message and time left in the pane")
            assert progress.state in ("requested", "inProgress")


async def test_checkboxes_say_on_or_off_in_words_and_a_glyph_without_colour(open_demo):
    target = await open_demo()
    ref = await _acme(target, prod=False)
    app = ConvexBackupsApp(target=target)
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, app, ref.name)
        await pilot.press("b")
        dialog = await wait_for_screen(pilot, app, BackupNowDialog, what="backup dialog")
        box = dialog.query_one("#files", StateCheckbox)
        assert "[ ] Include file storage (f): off" in widget_text(app, box)
        await pilot.press("f")
        await wait_until(pilot, lambda: "[✓] Include file storage (f): on" in widget_text(app, box), what="on")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")
        await pilot.press("p")
        dialog = await wait_for_screen(pilot, app, PeriodicDialog, what="periodic dialog")
        on = dialog.query_one("#on", StateCheckbox)
        word = "on" if on.value else "off"
        assert f"{'[✓]' if on.value else '[ ]'} Periodic backups: {word}" in widget_text(app, on)
        on.value = not on.value
        flipped = f"{'[✓]' if on.value else '[ ]'} Periodic backups: {'on' if on.value else 'off'}"
        await wait_until(pilot, lambda: flipped in widget_text(app, on), what="the flipped state in words")


async def test_the_cursor_row_is_marked_by_a_glyph_not_colour_alone(open_demo, demo_sandbox):
    target = await open_demo()
    ref = await _acme(target, prod=False)
    await _with_backups(demo_sandbox, target, ref, 3)
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=SIZE) as pilot:
        screen = await choose(pilot, app, ref.name)
        tree = screen.query_one(DeploymentTree)
        marked = [line for line in widget_lines(app, tree) if "▶" in line]
        assert len(marked) == 1 and ref.name in marked[0], marked
        table = screen.query_one(BackupTable)
        table.focus()
        for row in (1, 2, 0):
            table.move_cursor(row=row)

            def only_that_row(row=row):
                rows = widget_lines(app, table)[1 : 1 + len(table.shown)]
                return [i for i, line in enumerate(rows) if "▶" in line] == [row]

            await wait_until(pilot, only_that_row, what=f"▶ on row {row} only")


async def test_no_none_on_any_screen_reachable_from_the_main_screen(open_demo):
    """A deployment of each team and kind of the demo world, and every dialog the main screen opens on it
    (back up, schedule, environment variables, help, restore, download, delete), drawn at 80x24."""
    target = await open_demo()
    app = ConvexBackupsApp(target=target)
    shown = record_notifications(app)
    seen: dict[str, list[str]] = {}

    def look(where: str) -> None:
        lines = screen_lines(app)
        seen[where] = lines
        leaks = [line for line in lines if "None" in line]
        assert not leaks, f"{where}: {leaks}"

    kinds = {}  # one deployment of each team and kind: the others are drawn by the same code
    for ref in await target.list_deployments():
        kinds.setdefault((ref.team, ref.type), ref)
    async with app.run_test(size=SIZE) as pilot:
        for ref in kinds.values():
            screen = await choose(pilot, app, ref.name)
            await pilot.pause()
            look(ref.name)
            for key in ("b", "p", "e", "question_mark", "r", "w", "d"):
                await pilot.press(key)
                # A dialog, or a line saying why not (some keys need a backup).
                await wait_until(pilot, lambda: app.screen is not screen or shown, what=f"what {key} opens")
                if app.screen is not screen:
                    await screen_settled(pilot)  # what the dialog loads as it opens is drawn
                look(f"{ref.name} {key}")
                while app.screen is not screen:
                    await pilot.press("escape")
                    await pilot.pause()
                app.clear_notifications()
                shown.clear()
    assert len(seen) >= 8 * len(kinds)


def test_every_checkbox_of_the_app_is_a_state_checkbox():
    """Textual's own Checkbox tells on from off by colour only: no screen may use it directly."""
    import ast
    from pathlib import Path

    import tui

    offenders = []
    for path in Path(tui.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in ("Checkbox", "Switch", "RadioButton", "ToggleButton"):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, f"use tui.widgets.state_checkbox.StateCheckbox: {offenders}"
