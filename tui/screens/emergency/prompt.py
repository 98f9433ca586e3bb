"""`ChecklistPrompt`: the checklist's one-line prompt under the step panel. It asks for a reason or a
value, and for the typed deployment name that confirms a destructive action (the restore flow's rule).
enter answers; the screen's esc hides it and changes nothing."""

from __future__ import annotations

from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Static


class ChecklistPrompt(Vertical):
    DEFAULT_CSS = "ChecklistPrompt { height: auto; }"

    def __init__(self) -> None:
        super().__init__(id="em-prompt")
        self._then: Callable[[str], Any] | None = None
        self._return: Widget | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="em-prompt-label", markup=False)
        yield Input(id="em-input")

    def on_mount(self) -> None:
        self.hide()

    @property
    def asking(self) -> bool:
        return self.query_one("#em-input", Input).display

    def ask(self, label: str, then: Callable[[str], Any], value: str = "", password: bool = False) -> None:
        self._then = then
        box = self.query_one("#em-input", Input)
        # back to where the operator was (a document's fields after a confirmed edit), not the step list
        self._return = self.screen.focused if self.screen.focused is not box else None
        self.query_one("#em-prompt-label", Static).update(label)
        self.query_one("#em-prompt-label").display = True
        box.password = password
        box.value = value
        box.display = True
        box.focus()

    def confirm_typed(
        self, what: str, then: Callable[[], Any], name: str, refused: Callable[[], Any] | None = None
    ) -> None:
        """Destructive actions: type the deployment's name `name` (the restore flow's rule)."""

        def check(value: str) -> None:
            if value.strip() == name:
                then()
            else:
                self.notify(f"Refused: {value!r} is not {name}. Nothing was changed.", severity="warning")
                if refused is not None:
                    refused()

        self.ask(f"{what}\nType {name} and enter to confirm (esc: no):", check)

    def hide(self) -> None:
        self._then = None
        self.query_one("#em-prompt-label").display = False
        box = self.query_one("#em-input", Input)
        box.display = False
        box.value = ""

    @on(Input.Submitted, "#em-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        then = self._then
        self.hide()
        back = self._return
        (back if back is not None and back.display and back.is_attached else self.screen.query_one("#em-steps")).focus()
        if then is not None:
            then(event.value)
