"""Where to download a backup: a folder (default ~/Downloads). The download itself, with resume and
verification, is the service's; its progress shows in the progress pane."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from tui.screens.dialogs.base import Dialog
from tui.services.protocol import BackupRecord


class DownloadDialog(Dialog):
    """Dismisses with the folder (Path), or None."""

    def __init__(self, backup: BackupRecord, default_folder: Path) -> None:
        super().__init__()
        self.backup = backup
        self.default_folder = default_folder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Download backup {self.backup.id} of {self.backup.deployment}", classes="dialog-title")
            yield Static(
                "Folder (created if missing; a partial download there is continued where the server "
                "can resume, else started over):",
                classes="dialog-body",
            )
            folder = Input(str(self.default_folder), id="folder")
            folder.cursor_blink = False
            yield folder
            yield Static(
                "The ZIP is checked while it arrives and gets its final name only when it is whole; "
                "a .sha256 file is written beside it.",
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Download (enter)", id="go", variant="primary")
                yield Button("Cancel (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _go(self) -> None:
        text = self.query_one(Input).value.strip()
        if not text:
            self.notify("Type a folder, e.g. ~/Downloads.", severity="warning")
            return
        self.dismiss(Path(text).expanduser())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._go()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "go":
            self._go()
        else:
            self.dismiss(None)
