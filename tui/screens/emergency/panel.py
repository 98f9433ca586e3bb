"""Drawing the checklist: the title, the step list with each status in words, and the selected step's
panel (a text, and below it either a table or a log)."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import DataTable, Log, OptionList, Static
from textual.widgets.option_list import Option

from tui.screens.emergency_keys import MARKS, SHORT_TITLES
from tui.services.protocol import Progress
from tui.widgets import formatting as fmt


class PanelText(VerticalScroll):
    """The panel's text. Focusable only while it has something to scroll, so that tab goes from the steps
    straight to the table below it."""

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0


class PanelMixin:
    def redraw_steps(self) -> None:
        if self.checklist is None:
            return
        ref = self.ref
        if not self.checklist.deployment_chosen:  # a draft: no deployment is the checklist's before step 0
            self.query_one("#em-title", Static).update("EMERGENCY RESTORE — step 0: choose the deployment in trouble")
            self.query_one("#em-title").set_class(False, "-prod")
        else:
            words = f"{ref.name} ({ref.danger_label})" if ref else self.checklist.deployment
            if getattr(self, "is_paused", False):
                words += " — PAUSED"
            self.query_one("#em-title", Static).update(
                f"EMERGENCY RESTORE — {words} — checklist {self.checklist.id}")
            self.query_one("#em-title").set_class(bool(ref and ref.is_prod), "-prod")
        steps = self.query_one("#em-steps", OptionList)
        # The cursor stays where the operator left it: a key pressed just before this redraw has moved it while
        # its OptionHighlighted message still waits in the queue. That message (or the one the new highlight
        # posts) then selects the step and draws its panel.
        keep = steps.highlighted if steps.highlighted is not None else self.selected
        steps.clear_options()
        for number, state in enumerate(self.checklist.steps):
            # one line in the 30-column list at 80x24: a longer status ("rehearsed") takes a column of padding
            pad = min(13, 21 - len(state.status))
            steps.add_option(Option(f"{MARKS[state.status]} {number} {SHORT_TITLES[number]:<{pad}} {state.status}",
                                    id=str(number)))
        steps.highlighted = keep

    def move_selection(self, number: int) -> None:
        """Select step `number` (drawn by the next `after_change`)."""
        self.selected = number
        steps = self.query_one("#em-steps", OptionList)
        if number < steps.option_count:
            steps.highlighted = number

    def after_change(self) -> None:
        """The checklist changed: redraw the list and the selected step's panel."""
        self.redraw_steps()
        self.show_panel()

    def set_title(self, text: str) -> None:
        self.query_one("#em-step-title", Static).update(text)

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

    def show_progress(self, progress: Progress) -> None:
        self.query_one("#em-text", Static).update(self.progress_text(progress))

    def progress_text(self, progress: Progress) -> str:
        lines = [fmt.progress_line(progress)]
        for table in progress.tables[:8]:
            lines.append(f"  {table.table}: {table.written:,}/{table.total:,}")
        return "\n".join(lines)

