"""Live progress of every running backup, restore and download: one row each with a text bar (no
animation), the server's message, counts, elapsed time and time left (or 'no estimate'). Compact (80
columns, where the pane has about five lines): the time left beside a shorter bar, then the message, so that
both stay in view."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static

from tui.services.protocol import Progress
from tui.widgets import formatting as fmt


class ProgressRow(Static):
    def __init__(self, key: str, title: str, progress: Progress, compact: bool = False) -> None:
        super().__init__(classes="progress-row")
        self.key = key
        self.title = title
        self.progress = progress
        self.compact = compact

    def on_mount(self) -> None:
        self.show(self.title, self.progress)

    def show(self, title: str, progress: Progress) -> None:
        self.title, self.progress = title, progress
        self.update(self._compact_text() if self.compact else self._text())

    def _text(self) -> Text:
        title, progress = self.title, self.progress
        text = Text()
        text.append(title, style="bold")
        if progress.state:
            text.append(f"  [{fmt.STATE_WORDS.get(progress.state, progress.state)}]")
        text.append("\n")
        text.append(fmt.bar(progress.fraction))
        text.append("\n")
        text.append(progress.message or "waiting for the server…")
        text.append("\n")
        text.append(fmt.progress_line(progress), style="dim")
        return text

    def _compact_text(self) -> Text:
        progress = self.progress
        text = Text()
        text.append(self.title, style="bold")
        text.append("\n")
        text.append(fmt.bar(progress.fraction, width=12))
        if progress.state and progress.state != "inProgress":
            text.append(f" · {fmt.STATE_WORDS.get(progress.state, progress.state)}")
        text.append(" · ")
        text.append(fmt.time_left(progress), style="bold")
        text.append("\n")
        text.append(progress.message or "waiting for the server…")
        return text

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.show(self.title, self.progress)


class ProgressPanel(Vertical):
    """Rows keyed by operation ("backup 12", "download 12"); `finish` leaves the final line for a while."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: dict[str, ProgressRow] = {}
        self.compact = False

    def set_compact(self, compact: bool) -> None:
        self.compact = compact
        for row in self.rows.values():
            row.set_compact(compact)

    def compose(self):
        yield Static("Nothing running.", classes="progress-idle")

    def on_mount(self) -> None:
        self._idle()

    def _idle(self) -> None:
        self.query_one(".progress-idle").display = not self.rows
        if self.parent is not None:
            self.parent.set_class(not self.rows, "-idle")  # a narrow screen hides the idle pane

    def update_operation(self, key: str, title: str, progress: Progress) -> None:
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = ProgressRow(key, title, progress, self.compact)
            self.mount(row)
        else:
            row.show(title, progress)
        self._idle()

    def remove_operation(self, key: str) -> None:
        row = self.rows.pop(key, None)
        if row is not None:
            row.remove()
        self._idle()

    @property
    def running(self) -> list[str]:
        return [key for key, row in self.rows.items() if not row.progress.finished]
