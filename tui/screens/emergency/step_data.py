"""Step 5 of the checklist, manual fixes, on three levels: the tables with their counts (g opens the
highlighted one); a page of documents, oldest first, 100 at a time (] next page, [ previous page, g views
the highlighted document); one document's fields with their types. e edits a field (a dialog), d deletes
the document (typed confirmation), i inserts one, u runs a mutation by name (the sandbox says it has
none), backspace or esc goes up a level, m marks the step done. Every edit is written into the checklist
for the incident log."""

from __future__ import annotations

from textual import work
from textual.reactive import reactive
from textual.widgets import DataTable

from tui.screens.emergency.field_dialog import FieldEditDialog
from tui.screens.emergency.panel import StepPanel
from tui.services.checklist.data import (
    NO_USER_FUNCTIONS,
    DataEditor,
    FieldEdit,
    PageView,
    TablePager,
    client_for,
    document_fields,
    fields_line,
    has_user_functions,
    parse_value,
    type_name,
)
from tui.widgets import formatting as fmt

PAGE_SIZE = 100
MIN_FIELDS = 24  # characters of a document's fields in the page's table; the document view has them all
DATA_ACTIONS = {"edit_field", "delete_doc", "insert_doc", "up_level", "next_page", "previous_page"}


class DataStep(StepPanel):
    NUMBER = 5
    ACTIONS = frozenset(
        {
            "run_step",
            "skip_step",
            "redo_step",
            "edit_field",
            "delete_doc",
            "insert_doc",
            "run_mutation",
            "up_level",
            "mark_done",
            "next_page",
            "previous_page",
        }
    )

    # where the operator is (which keys make sense): the table opened, the page shown, the document viewed
    data_table: reactive[str | None] = reactive(None, bindings=True, init=False)
    page_view: reactive[PageView | None] = reactive(None, bindings=True, init=False, always_update=True)
    document: reactive[dict | None] = reactive(None, bindings=True, init=False)
    pager: TablePager | None = None
    _page_row = 0  # where the cursor was on the page when a document was opened

    @property
    def data_level(self) -> str:
        if self.data_table is None:
            return "tables"
        return "documents" if self.document is None else "document"

    def allows(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Which of step 5's keys make sense where the operator is (the footer shows only those)."""
        if action not in DATA_ACTIONS:
            return True
        level, view = self.data_level, self.page_view
        if action in ("next_page", "previous_page"):
            return (
                level == "documents"
                and view is not None
                and (view.has_next if action == "next_page" else view.has_previous)
            )
        return level != "tables"

    def draw(self, head: str) -> None:
        self.say(head + "Loading…")
        self.load_data()

    async def editor(self) -> DataEditor:
        return DataEditor(await client_for(self.target, self.ref))

    @work(exclusive=True, group="em-data", exit_on_error=False)
    async def load_data(self, move: str = "current") -> None:
        """Draw the current level; `move` is "next" or "previous" to turn the page."""
        try:
            editor = await self.editor()
            if self.data_table is None:
                counts = await editor.tables()
            else:
                pager = self.pager = self.pager or TablePager(self.data_table, PAGE_SIZE)
                turn = {"next": pager.next, "previous": pager.previous}.get(move, pager.current)
                self.page_view = await turn(editor)
        except Exception as exc:  # noqa: BLE001
            self.say(f"Could not read the data: {fmt.error_text(exc)}")
            return
        if self.document is not None:  # the viewed document as it is now
            self.document = self._page_document(self.document["_id"])
        if self.data_table is None:
            self._draw_tables(counts)
        elif self.document is not None:
            self._draw_document()
        else:
            self._draw_page()

    def _draw_tables(self, counts: dict[str, int]) -> None:
        table = self.show_table(["Table", "Documents"])
        for name, count in sorted(counts.items()):
            table.add_row(name, f"{count:,}", key=name)
        self.say(
            self.context.paused_note_step5() + "Tables and their document counts. tab to the list, g opens a table · "
            "u run a mutation by name · m mark this step done"
        )

    def _page_columns(self, last: int) -> tuple[int, bool]:
        """Characters of fields that fit beside the number and the id, and whether the id fits whole (a
        narrow terminal shows its last characters; the document view and every prompt show all of it)."""
        width = self.screen.query_one("#em-panel").size.width - 4  # padding and the scrollbar
        number = len(f"{last:,}") + 2
        fields = width - number - 34 - 2  # a cell is its text and a space either side
        if fields >= MIN_FIELDS:
            return fields, True
        return max(width - number - 13 - 2, MIN_FIELDS), False

    def _draw_page(self, row: int = 0) -> None:
        view = self.page_view
        assert view is not None  # a page is drawn once read
        fields_width, whole_id = self._page_columns(max(view.last, 1))
        table = self.show_table(["#", "Fields", "_id"])
        for number, doc in enumerate(view.documents, start=view.first):
            text = fields_line(doc)
            shown_id = doc["_id"] if whole_id else "…" + doc["_id"][-10:]
            table.add_row(
                f"{number:,}",
                text if len(text) <= fields_width else text[: fields_width - 1] + "…",
                shown_id,
                key=doc["_id"],
            )
        if row:
            table.move_cursor(row=min(row, table.row_count - 1))
        keys = (
            ["g view", "e edit", "d delete", "i insert"]
            + ["] next"] * view.has_next
            + ["[ previous"] * view.has_previous
            + ["esc tables"]
        )
        self.say(f"{view.words()}.\n{' · '.join(keys)}")

    def _draw_document(self) -> None:
        doc, view = self.document, self.page_view
        assert doc is not None  # drawn while a document is viewed
        rows = document_fields(doc)
        # what is left of the panel beside the field and type columns (each cell is padded by one space a side)
        width = max(
            self.screen.query_one("#em-panel").size.width - 4 - (max(len(f) for f, _, _ in rows) + 2) - 9 - 2, 12
        )
        table = self.show_table(["Field", "Type", "Value"])
        for field, kind, value in rows:
            shown = value if len(value) <= width else value[: width - 1] + "…"
            table.add_row(field, kind, shown, key=field)
        table.move_cursor(row=next((i for i, (f, _, _) in enumerate(rows) if not f.startswith("_")), 0))
        number = view.first + view.documents.index(doc) if view and doc in view.documents else None
        where = f" (document {number:,} of about {max(view.total, view.last):,})" if number and view else ""
        self.say(
            f"{self.data_table} › {doc['_id']}{where}\ne edit the highlighted field · d delete this document"
            " · i insert · esc back to the page"
        )

    def _page_document(self, doc_id: str | None) -> dict | None:
        documents = self.page_view.documents if self.page_view else []
        return next((d for d in documents if d["_id"] == doc_id), None)

    def run(self) -> None:
        key = self.row_key()
        if key is None or self.document is not None:
            return
        if self.data_table is None:
            self.data_table, self.pager, self.page_view = key, None, None
            self.load_data()
            return
        self.document = self._page_document(key)
        if self.document is not None:
            self._page_row = self.query_one("#em-table", DataTable).cursor_row
            self._draw_document()

    def back(self) -> bool:
        if self.data_table is None:
            return False
        self.action_up_level()
        return True

    def action_up_level(self) -> None:
        if self.document is not None:
            self.document = None
            self._draw_page(self._page_row)
            return
        self.data_table, self.pager, self.page_view = None, None, None
        self.load_data()

    def action_next_page(self) -> None:
        if self.allows("next_page", ()):
            self.load_data("next")

    def action_previous_page(self) -> None:
        if self.allows("previous_page", ()):
            self.load_data("previous")

    def _record_edit(self, text: str) -> None:
        state = self.checklist.steps[5]
        if state.status != "running":
            self.checklist.start(5)
        edits = list(self.checklist.steps[5].data.get("edits", [])) + [text]
        self.checklist.record(5, edits=edits)
        self.changed(redraw_panel=False)

    def _target_document(self) -> dict | None:
        return self.document if self.document is not None else self._page_document(self.row_key())

    def action_edit_field(self) -> None:
        doc = self._target_document()
        if self.data_table is None or doc is None:
            self.notify("Open a table and highlight a document first.", severity="warning")
            return
        field = self.row_key() if self.document is not None else None
        table, doc_id = self.data_table, doc["_id"]

        def edited(result: tuple[str, object] | None) -> None:
            if result is None:
                return
            name, value = result
            edit = FieldEdit.of(table, doc, name, value)

            def write() -> None:
                self.guarded_write(edit.words(), lambda e: e.patch_field(table, doc_id, name, value))

            if edit.type_changes:  # its own confirmation, typed, before production's typed name
                self.confirm_type_change(edit, write)
            else:
                write()

        where = f"{self.ref.name} ({self.ref.danger_label})"
        self.app.push_screen(FieldEditDialog(table, doc, field, where, danger=self.ref.is_prod), edited)

    def confirm_type_change(self, edit: FieldEdit, then) -> None:
        wanted = type_name(edit.new)

        def check(typed: str) -> None:
            if typed.strip().lower() == wanted.lower():
                then()
            else:
                self.notify(f"Refused: {typed!r} is not {wanted}. {edit.field} was not changed.", severity="warning")

        self.ask(f"{edit.type_question()}\nType {wanted} and enter to change the type (esc: no):", check)

    def action_delete_doc(self) -> None:
        doc = self._target_document()
        if self.data_table is None or doc is None:
            return
        table, doc_id = self.data_table, doc["_id"]
        was = fields_line(doc)  # in the incident log: what the document held, to put it back by hand if need be
        was = was if len(was) <= 300 else was[:299] + "…"
        self.confirm_typed(
            f"Delete document {doc_id} from {table}?",
            lambda: self.data_write(
                f"deleted {doc_id} from {table} (it held: {was or 'no fields'})", lambda e: e.delete(table, [doc_id])
            ),
        )

    def action_insert_doc(self) -> None:
        if self.data_table is None:
            self.notify("Open a table first.", severity="warning")
            return
        table = self.data_table

        def insert(value: str) -> None:
            try:
                document = parse_value(value)
            except ValueError as exc:
                self.notify(f'{exc} Type a JSON object, e.g. {{"name": "x"}}.', severity="warning")
                return
            self.guarded_write(
                f"inserted into {table}: {sorted(document) if isinstance(document, dict) else '?'}",
                lambda e: e.insert(table, document),
            )

        self.ask(f"New document for {table} (a JSON object; a bare number is a Float64):", insert)

    def guarded_write(self, what: str, call) -> None:
        """On production every change waits for the typed deployment name (destructive actions keep the
        restore flow's typed confirmation); the enter that ended the edit does not confirm it."""
        if self.ref.is_prod:
            self.confirm_typed(f"On PRODUCTION: {what}?", lambda: self.data_write(what, call))
        else:
            self.data_write(what, call)

    @work(exclusive=True, group="em-data-write", exit_on_error=False)
    async def data_write(self, what: str, call) -> None:
        try:
            await call(await self.editor())
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Not changed", severity="error", timeout=12)
            return
        self._record_edit(what)
        self.notify(what, title="Changed")
        self._reload_after_write()

    @work(exclusive=True, group="em-data", exit_on_error=False)
    async def _reload_after_write(self) -> None:
        """The same page again; a viewed document is shown as it is now (or the page, if it is gone)."""
        viewed = self.document["_id"] if self.document is not None else None
        row = self._page_row if viewed else self.query_one("#em-table", DataTable).cursor_row
        assert self.pager is not None, "a page is shown before it is reloaded"
        try:
            self.page_view = await self.pager.current(await self.editor())
        except Exception as exc:  # noqa: BLE001
            self.say(f"Could not read the data: {fmt.error_text(exc)}")
            return
        self.document = self._page_document(viewed) if viewed else None
        if self.document is not None:
            self._draw_document()
        else:
            self._draw_page(row)

    @work(exclusive=True, group="em-mutation", exit_on_error=False)
    async def action_run_mutation(self) -> None:
        if self.context.is_paused:  # the paused deployment refuses every user function
            self.say(self.context.paused_note_step5() + "Unpause it at step 6 (u) first, then run the mutation.")
            return
        if not await has_user_functions(self.target):
            self.say(NO_USER_FUNCTIONS)
            return
        self.say(
            "Run a mutation by name: `npx convex run <path> '<json args>'` from the project folder with the "
            "deployment's credentials (see step 3); record what you ran in the incident log."
        )

    def action_mark_done(self) -> None:
        self.checklist.done(5, "manual fixes finished", **{"edits": self.checklist.steps[5].data.get("edits", [])})
        self.changed()
