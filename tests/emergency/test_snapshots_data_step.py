"""SVG snapshots of step 5 (manual fixes) at 120x40 and 80x24, on a real emulated deployment: the sandbox's
demo world on a manual clock, whose ids, values and creation times depend only on the seed and the clock,
so every run draws the same screens. Review the report before updating (`--snapshot-update`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, Static

from deployment_data import open_sandbox
from emergency_support import PROD, shown_table
from sandbox_process import SandboxProcess
from snapshot_checklist import SIZES, fixed_checklist

from tui.screens.emergency.screen import EmergencyScreen
from tui.services.checklist.state import ChecklistStore
from tui.services.config.settings import Homes

CLOCK = "manual:1772452800"  # 2026-03-02 12:00 UTC, the fixed "now" of the other snapshots
TABLES = ["carts", "customers", "events", "orders", "products", "reviews"]  # the storefront's, by name


@pytest.fixture(scope="module")
def fixed_world(tmp_path_factory):
    process = SandboxProcess(
        tmp_path_factory.mktemp("em-snap") / "sandbox", extra_args=("--seed", "demo", "--clock", CLOCK)
    ).start()
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")


class SandboxHost(App):
    """Like emergency_support.HostApp, but opens the target inside the app's own event loop (the snapshot
    runner runs the app in a loop of its own)."""

    def __init__(self, world: SandboxProcess, tmp_path: Path) -> None:
        super().__init__()
        self.world, self.tmp_path = world, tmp_path
        self.target = None
        self.screen_under_test = None
        self.results: list = []

    def compose(self):
        yield Static("host app", id="host")

    async def on_mount(self) -> None:
        homes = Homes(self.tmp_path / "home" / "config", self.tmp_path / "home" / "data")
        self.target = await open_sandbox(self.world, homes)
        store = ChecklistStore(self.tmp_path / "checklists")
        self.screen_under_test = EmergencyScreen(
            self.target, store, PROD, checklist=fixed_checklist(store), incidents=self.tmp_path / "incidents"
        )
        self.push_screen(self.screen_under_test, self.results.append)

    async def on_unmount(self) -> None:
        if self.target is not None:
            await self.target.aclose()


async def _until(pilot, condition, what: str, timeout: float = 60) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}; {_state(pilot.app)}")


def _state(app) -> str:
    """What the screen showed, for a failure message."""
    screen = app.screen_under_test
    try:
        steps, table = screen.query_one("#em-steps"), shown_table(screen)
    except Exception:  # noqa: BLE001 - no checklist screen (any more)
        return "no checklist screen"
    return (
        f"mode {screen.mode}, step {steps.highlighted}, focus {app.focused}, table shown {table.display} "
        f"with {table.row_count} rows, screen {type(app.screen).__name__}, text {_text(screen)[:300]!r}"
    )


def _text(screen) -> str:
    return str(screen.panel.query_one("#em-text").render())


def scene(name: str):
    """Walk to step 5 and on to the scene: the tables, a page of `products`, its next page, one document,
    the field editor on its `priceCents` (and the typed confirmation production asks after it), or the
    sandbox's answer to "run a mutation"."""

    async def before(pilot):
        await _until(pilot, lambda: pilot.app.screen_under_test is not None, "the screen")
        screen = pilot.app.screen_under_test
        table = shown_table(screen)
        steps = screen.query_one("#em-steps")
        # Keys sent before the step list has taken focus would be lost.
        await _until(pilot, lambda: screen.mode == "steps" and steps.has_focus, "the checklist")
        await pilot.press("home", *["down"] * 5)
        await _until(pilot, lambda: table.display and table.row_count == len(TABLES), "the tables")
        if name == "tables":
            pass
        elif name == "no_functions":
            await pilot.press("u")
            await _until(pilot, lambda: "no user functions" in _text(screen), "the sandbox's answer")
        else:
            await pilot.press("tab")
            await _until(pilot, lambda: table.has_focus, "the table focused")
            await pilot.press(*["down"] * TABLES.index("products"), "g")
            await _until(
                pilot,
                lambda: screen.data_step.page_view is not None and "documents 1–100" in _text(screen),
                "the first page",
            )
            if name == "page2":
                await pilot.press("right_square_bracket")
                await _until(pilot, lambda: "documents 101–200" in _text(screen), "the second page")
            if name in ("document", "edit", "edit_confirm", "type_change"):
                await pilot.press("down", "down", "g")
                await _until(pilot, lambda: screen.data_step.data_level == "document", "the document")
            if name in ("edit", "edit_confirm", "type_change"):
                fields = [k.value for k in table.rows]
                await pilot.press(*["down"] * (fields.index("priceCents") - table.cursor_row), "e")
                await _until(pilot, lambda: type(pilot.app.screen).__name__ == "FieldEditDialog", "the editor")
            if name == "edit_confirm":  # production: the typed name, after the editor's enter
                await pilot.press("1", "2", "5", "0", "enter")
                await _until(pilot, lambda: screen.query_one("#em-input").display, "the typed confirmation")
            if name == "type_change":  # an Int64 given a fraction: the type question comes first, on its own
                await pilot.press(*"1250.5", "enter")
                await _until(pilot, lambda: screen.query_one("#em-input").display, "the type question")
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False  # a blinking cursor would be drawn or not by chance
        await pilot.pause(0.3)

    return before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(
    "name", ["tables", "page1", "page2", "document", "edit", "edit_confirm", "type_change", "no_functions"]
)
def test_step5_snapshot(snap_compare, fixed_world, tmp_path, name, size):
    assert snap_compare(SandboxHost(fixed_world, tmp_path), terminal_size=size, run_before=scene(name))
