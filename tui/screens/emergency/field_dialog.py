"""The field editor of step 5: one field of one document, its value now and its type, and the new value
as JSON. `enter` in the value box saves (never the `e` that opened the dialog; on production the checklist
then asks for the typed deployment name); `esc` changes nothing.

    FieldEditDialog(table, document, field, where, danger=is_prod) -> (field, value) or None
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from tui.screens.dialogs.base import Dialog
from tui.services.checklist.data import FieldEdit, parse_value, show_value, type_name, value_words

_NEW = object()


class FieldEditDialog(Dialog):
    HELP = "Type a field name (an existing one or a new one) and its new value as JSON; enter saves."

    def __init__(self, table: str, document: dict, field: str | None, where: str, *, danger: bool = False) -> None:
        super().__init__()
        self.danger = danger  # production: said in `where`, the border repeats it
        self.table = table
        self.document = document
        self.field = field if field and not field.startswith("_") else ""
        self.where = where  # the deployment in words, e.g. "brave-marmot-193 (PRODUCTION)"

    def compose(self) -> ComposeResult:
        current = self.document.get(self.field, _NEW)
        with Vertical(classes="dialog -danger" if self.danger else "dialog", id="field-dialog"):
            yield Static(f"Edit a field of {self.document['_id']}", classes="dialog-title", markup=False)
            yield Static(f"Table {self.table} on {self.where}", classes="field-where", markup=False)
            yield Static("Field", classes="field-label")
            yield Input(self.field, id="field-name", placeholder="field name")
            yield Static(self._now(current), id="field-now", markup=False)
            yield Static("New value (JSON)", classes="field-label")
            yield Input(
                "" if current is _NEW else show_value(current),
                id="field-value",
                placeholder='"text", 12.5, true, null, [...], {...}',
            )
            yield Static(self._will_be(self.field, None), id="field-new", markup=False)
            yield Static("", id="field-error", markup=False)
            save = "enter, then type the deployment's name, saves" if self.danger else "enter saves"
            yield Static(
                "A bare number is a Float64; an Int64 field keeps whole numbers as Int64. "
                f"{save} · tab next box · esc cancels",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#field-value" if self.field else "#field-name", Input).focus()

    @staticmethod
    def _now(current: Any) -> str:
        if current is _NEW:
            return "Now: not set (a new field)"
        shown = show_value(current)
        return f"Now: {shown if len(shown) <= 60 else shown[:59] + '…'} ({type_name(current)})"

    @on(Input.Changed, "#field-name")
    def _name_changed(self, event: Input.Changed) -> None:
        self.query_one("#field-now", Static).update(self._now(self.document.get(event.value.strip(), _NEW)))
        self._value_changed()

    @on(Input.Changed, "#field-value")
    def _value_changed(self) -> None:
        name = self.query_one("#field-name", Input).value.strip()
        self.query_one("#field-new", Static).update(self._will_be(name, self.query_one("#field-value", Input).value))

    def _will_be(self, name: str, text: str | None) -> str:
        """The new value with its type as it will be written, and whether that changes the field's type."""
        if text is None:
            current = self.document.get(name, _NEW)
            text = "" if current is _NEW else show_value(current)
        try:
            value = parse_value(text, like=self.document.get(name))
        except ValueError:
            return "Will be: (not a JSON value yet)"
        edit = FieldEdit.of(self.table, self.document, name, value)
        shown = value_words(value)
        return f"Will be: {shown}" + (f" — CHANGES THE TYPE from {edit.old_type}" if edit.type_changes else "")

    @on(Input.Submitted, "#field-name")
    def _name_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#field-value", Input).focus()

    @on(Input.Submitted, "#field-value")
    def _save(self, event: Input.Submitted) -> None:
        event.stop()
        name = self.query_one("#field-name", Input).value.strip()
        error = self.query_one("#field-error", Static)
        if not name or name.startswith("_"):
            error.update("Type a field name; _id and _creationTime cannot be edited.")
            self.query_one("#field-name", Input).focus()
            return
        try:
            value = parse_value(event.value, like=self.document.get(name))
        except ValueError as exc:
            error.update(str(exc))
            return
        self.dismiss((name, value))
