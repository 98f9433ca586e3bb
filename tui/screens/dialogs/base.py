"""The base of every dialog: a modal screen that `esc` closes without doing anything (never quits)."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding
from textual.screen import ModalScreen

DIALOG_STYLES = Path(__file__).parents[2] / "styles" / "dialogs_main.tcss"  # a subclass's own CSS_PATH lists it too


class Dialog(ModalScreen):
    """Dismisses with None on `esc`. Subclasses compose inside a `.dialog` container."""

    # Read with the first dialog shown, not at launch: the first screen does without them (issue 16).
    CSS_PATH = [DIALOG_STYLES]
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog_cancel")]
    HELP = ""  # one paragraph for the help screen

    def action_cancel(self) -> None:
        self.dismiss(None)
