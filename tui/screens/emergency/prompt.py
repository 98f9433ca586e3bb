"""The checklist's one-line prompt under the step panel: ask for a reason or a value, and the typed
deployment name that confirms a destructive action (the restore flow's rule)."""

from __future__ import annotations

from typing import Any, Callable

from textual.widgets import Input, Static


class PromptMixin:
    def ask(self, label: str, then: Callable[[str], Any], value: str = "", password: bool = False) -> None:
        self._prompt = then
        # back to where the operator was (a document's fields after a confirmed edit), not the step list
        self._prompt_return = self.focused if self.focused is not self.query_one("#em-input") else None
        self.query_one("#em-prompt-label", Static).update(label)
        self.query_one("#em-prompt-label").display = True
        box = self.query_one("#em-input", Input)
        box.password = password
        box.value = value
        box.display = True
        box.focus()

    def confirm_typed(self, what: str, then: Callable[[], Any], name: str | None = None,
                      refused: Callable[[], Any] | None = None) -> None:
        """Destructive actions: type the deployment's name (the restore flow's rule); `name` when the action
        is about another deployment than the checklist's so far (step 0)."""
        name = name or self.ref.name

        def check(value: str) -> None:
            if value.strip() == name:
                then()
            else:
                self.notify(f"Refused: {value!r} is not {name}. Nothing was changed.", severity="warning")
                if refused is not None:
                    refused()

        self.ask(f"{what}\nType {name} and enter to confirm (esc: no):", check)

    def _hide_prompt(self) -> None:
        self._prompt = None
        self.query_one("#em-prompt-label").display = False
        box = self.query_one("#em-input", Input)
        box.display = False
        box.value = ""

    def prompt_submitted(self, value: str) -> None:
        then = self._prompt
        self._hide_prompt()
        back = getattr(self, "_prompt_return", None)
        (back if back is not None and back.display and back.is_attached else self.query_one("#em-steps")).focus()
        if then is not None:
            then(value)
