"""Type the exact name to go ahead: the confirmation for destructive actions on production (restores,
imports; the emergency checklist reuses it). The typed text must equal `expected` exactly (case and
spaces count); enter with anything else refuses and says so. It never confirms on a single key."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static


class TypedConfirmation(Vertical):
    """Posts `TypedConfirmation.Confirmed` when enter is pressed on the exact `expected` text."""

    DEFAULT_CSS = """
    TypedConfirmation { height: auto; }
    TypedConfirmation > .typed-prompt { height: auto; }
    TypedConfirmation > Input { width: 1fr; max-width: 60; }
    TypedConfirmation > .typed-feedback { height: auto; color: $text-muted; }
    TypedConfirmation > .typed-feedback.-refused { color: $error; text-style: bold; }
    """

    class Confirmed(Message):
        def __init__(self, confirmation: TypedConfirmation, value: str) -> None:
            super().__init__()
            self.confirmation = confirmation
            self.value = value

        @property
        def control(self) -> TypedConfirmation:
            return self.confirmation

    class Refused(Message):
        def __init__(self, confirmation: TypedConfirmation, value: str) -> None:
            super().__init__()
            self.confirmation = confirmation
            self.value = value

    def __init__(self, expected: str, prompt: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.expected = expected
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        yield Static(self.prompt, classes="typed-prompt", markup=False)
        yield Input(placeholder=f"type {self.expected} here", id="typed-input")
        yield Static("Then press enter. Esc backs out and changes nothing.", classes="typed-feedback")

    @property
    def input(self) -> Input:
        return self.query_one("#typed-input", Input)

    def focus(self, scroll_visible: bool = True) -> TypedConfirmation:
        self.input.focus(scroll_visible)
        return self

    def reset(self) -> None:
        self.input.value = ""
        self._feedback("Then press enter. Esc backs out and changes nothing.", refused=False)

    @on(Input.Changed, "#typed-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value == self.expected:
            self._feedback("The name matches. Press enter to go ahead.", refused=False)
        elif event.value and not self.expected.startswith(event.value):
            self._feedback(f"That does not match {self.expected}.", refused=True)
        else:
            self._feedback("Then press enter. Esc backs out and changes nothing.", refused=False)

    @on(Input.Submitted, "#typed-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.expected:
            self.input.disabled = True
            self.post_message(self.Confirmed(self, event.value))
        else:
            shown = event.value if len(event.value) <= 40 else event.value[:40] + "…"
            self._feedback(f"Refused: {shown!r} is not {self.expected!r}. Type the exact name.", refused=True)
            self.post_message(self.Refused(self, event.value))

    def _feedback(self, text: str, *, refused: bool) -> None:
        feedback = self.query_one(".typed-feedback", Static)
        feedback.update(text)
        feedback.set_class(refused, "-refused")
