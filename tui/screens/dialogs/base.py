"""The base of every dialog: a modal screen that `esc` closes without doing anything (never quits)."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import ModalScreen


class Dialog(ModalScreen):
    """Dismisses with None on `esc`. Subclasses compose inside a `.dialog` container."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog_cancel")]
    HELP = ""  # one paragraph for the help screen

    def action_cancel(self) -> None:
        self.dismiss(None)
