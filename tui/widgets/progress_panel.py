"""Live progress of every running backup, restore and download: one row each with a text bar (no
animation), the server's message, counts, elapsed time and time left (or 'no estimate')."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static

from tui.services.protocol import Progress
from tui.widgets import formatting as fmt


class ProgressRow(Static):
    def __init__(self, key: str, title: str, progress: Progress) -> None:
        super().__init__(classes="progress-row")
        self.key = key
        self.title = title
        self.progress = progress

    def on_mount(self) -> None:
        self.show(self.title, self.progress)

    def show(self, title: str, progress: Progress) -> None:
        self.title, self.progress = title, progress
        text = Text()
        text.append(title, style="bold")
        if progress.state:
            text.append(f"  [{progress.state}]")
        text.append("\n")
        text.append(fmt.bar(progress.fraction))
        text.append("\n")
        text.append(progress.message or "waiting for the server…")
        text.append("\n")
        text.append(fmt.progress_line(progress), style="dim")
        self.update(text)


class ProgressPanel(Vertical):
    """Rows keyed by operation ("backup 12", "download 12"); `finish` leaves the final line for a while."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: dict[str, ProgressRow] = {}

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
            row = self.rows[key] = ProgressRow(key, title, progress)
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
