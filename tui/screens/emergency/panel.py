"""`StepPanel`: one step of the checklist as a widget, shown in the screen's `ContentSwitcher` while its
step is selected. It draws its own text with a table or a log below it, holds its step's state, offers
the screen's keys listed in `ACTIONS` (the screen's bindings stay one list, so the footer keeps its order
and every binding id stays remappable), and tells the screen what happened: `changed()` when the
checklist changed (the screen redraws the step list and the panel at once, in the same frame as the
change: a queued message would show a checklist already done under a panel still saying "running"), and
the message `FollowRunning` (ask the server about the operation left running)."""

from __future__ import annotations

from typing import Any, Callable, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Log, Static

from tui.screens.emergency.context import ChecklistContext
from tui.screens.emergency.prompt import ChecklistPrompt
from tui.services.checklist.state import Checklist
from tui.services.protocol import BackupTarget, DeploymentRef, Progress
from tui.widgets import formatting as fmt
from tui.widgets.marked_table import MarkedDataTable


class PanelText(VerticalScroll):
    """The panel's text. Focusable only while it has something to scroll, so that tab goes from the steps
    straight to the table below it."""

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0


class StepPanel(Vertical):
    NUMBER: ClassVar[int]
    ACTIONS: ClassVar[frozenset[str]]  # the screen's actions this step offers (the footer shows only these)

    class FollowRunning(Message):
        """Ask the server about the operation the checklist says is running, and follow it to its end."""

    def __init__(self, context: ChecklistContext) -> None:
        super().__init__(id=f"em-step-{self.NUMBER}")
        self.context = context

    def compose(self) -> ComposeResult:
        with PanelText(id="em-text-scroll"):
            yield Static("Loading…" if self.NUMBER == 0 else "", id="em-text", markup=False)
        yield MarkedDataTable(id="em-table", cursor_type="row", zebra_stripes=True)
        yield Log(id="em-log", max_lines=2000)

    def on_mount(self) -> None:
        self.query_one("#em-table").display = False
        self.query_one("#em-log").display = False

    # -- what every step has ------------------------------------------------------------------------------
    @property
    def checklist(self) -> Checklist:
        assert self.context.checklist is not None  # the screen shows steps only with a checklist
        return self.context.checklist

    @property
    def ref(self) -> DeploymentRef:
        assert self.context.ref is not None  # every step works on the deployment step 0 chose
        return self.context.ref

    @property
    def target(self) -> BackupTarget:
        return self.context.target

    @property
    def is_current(self) -> bool:
        """Shown now: a worker that ends later draws only when its step is still the one on screen."""
        return self.display

    def draw(self, head: str) -> None:
        """Draw the step; `head` is its last outcome and earlier ones."""
        raise NotImplementedError

    def run(self) -> None:
        """g: run the step."""
        raise NotImplementedError

    def allows(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Whether one of this step's `ACTIONS` can run now (the screen has checked the rest)."""
        return True

    def back(self) -> bool:
        """esc within the step (up a level, back from a question); False when there is nothing to back out of."""
        return False

    def redo_first(self) -> bool:
        """x: something to do before the step is reset; True when that was done instead."""
        return False

    def changed(self, select: int | None = None, *, live: bool = False, redraw_panel: bool = True) -> None:
        """The checklist changed: redraw the step list and (unless `redraw_panel` is False) the selected
        step, selecting `select` first if given; `live`: read the deployment's pause state again."""
        self.context.on_change(select, live, redraw_panel)

    # -- the prompt under the panel -----------------------------------------------------------------------
    @property
    def prompt(self) -> ChecklistPrompt:
        return self.screen.query_one(ChecklistPrompt)

    def ask(self, label: str, then: Callable[[str], Any], value: str = "") -> None:
        self.prompt.ask(label, then, value)

    def confirm_typed(
        self, what: str, then: Callable[[], Any], name: str | None = None, refused: Callable[[], Any] | None = None
    ) -> None:
        self.prompt.confirm_typed(what, then, name or self.ref.name, refused)

    def set_title(self, text: str) -> None:
        self.screen.query_one("#em-step-title", Static).update(text)

    # -- drawing ------------------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        widget = self.query_one("#em-text", Static)
        widget.update(text)
        # Measured again once the frame is drawn: a second update before the first layout kept the first
        # text's height (a panel said "Reading…", then its choices, and showed four lines of them).
        self.call_after_refresh(widget.refresh, layout=True)

    def show_table(self, columns: list[str] | None) -> DataTable:
        table = self.query_one("#em-table", DataTable)
        table.display = columns is not None
        self._fit_text()
        table.clear(columns=True)
        if columns:
            table.add_columns(*columns)
        return table

    def show_log(self, visible: bool) -> Log:
        log = self.query_one("#em-log", Log)
        log.display = visible
        self._fit_text()
        return log

    def _fit_text(self) -> None:
        """The text gets the whole panel when there is no table or log below it."""
        alone = not self.query_one("#em-table").display and not self.query_one("#em-log").display
        self.query_one("#em-text-scroll").set_class(alone, "-full")

    def row_key(self) -> str | None:
        """The key of the table's highlighted row, when the table is shown and has rows."""
        table = self.query_one("#em-table", DataTable)
        if not table.display or not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def show_progress(self, progress: Progress) -> None:
        self.query_one("#em-text", Static).update(self.progress_text(progress))

    def progress_text(self, progress: Progress) -> str:
        lines = [fmt.progress_line(progress)]
        for table in progress.tables[:8]:
            lines.append(f"  {table.table}: {table.written:,}/{table.total:,}")
        return "\n".join(lines)
