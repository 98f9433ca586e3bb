"""A yes/no question for destructive actions. The confirm key is given by the caller and is never the
key that opened the dialog; `esc` and `n` say no. What will happen is said in words, not only colour."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.screens.dialogs.base import Dialog


class ConfirmDialog(Dialog):
    def __init__(
        self, title: str, body: str, *, confirm_key: str = "y", confirm_label: str = "Delete", danger: bool = True
    ) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm_key = confirm_key
        self.confirm_label = confirm_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog" + (" -danger" if self.danger else "")):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.body, classes="dialog-body")
            yield Static(
                f"Press {self.confirm_key} to {self.confirm_label.lower()}, n or esc to keep things as they are.",
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    f"{self.confirm_label} ({self.confirm_key})",
                    id="confirm",
                    variant="error" if self.danger else "primary",
                )
                yield Button("Keep (n / esc)", id="keep")

    def on_mount(self) -> None:
        self._bindings.bind(self.confirm_key, "confirm", self.confirm_label, show=True)
        self._bindings.bind("n", "cancel", "Keep", show=True)
        self.query_one("#keep", Button).focus()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")
