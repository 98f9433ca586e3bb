"""Step 5 of the checklist, manual fixes: tables with counts (g opens the highlighted one), a page of
documents (g views the highlighted document), e edit a field, d delete the document (typed confirmation),
i insert a document, u run a mutation by name (the sandbox says it has none), backspace back to the
tables, m mark the step done. Every edit is written into the checklist for the incident log."""

from __future__ import annotations

import json

from textual import work

from tui.services.checklist_data import NO_USER_FUNCTIONS, DataEditor, client_for, has_user_functions
from tui.widgets import formatting as fmt


class DataStepMixin:
    def init_data_step(self) -> None:
        self.data_table: str | None = None
        self.documents: list[dict] = []
        self.document: dict | None = None

    def panel_5(self, head: str) -> None:
        self.say(head + "Loading…")
        self.load_data()

    async def editor(self) -> DataEditor:
        return DataEditor(await client_for(self.target, self.ref))

    @work(exclusive=True, group="em-data", exit_on_error=False)
    async def load_data(self) -> None:
        try:
            editor = await self.editor()
            if self.data_table is None:
                counts = await editor.tables()
                table = self.show_table(["Table", "Documents"])
                for name, count in sorted(counts.items()):
                    table.add_row(name, f"{count:,}", key=name)
                self.say("Tables (tab to the list, g open) · u run a mutation by name · m mark this step done")
                return
            self.documents, _ = await editor.page(self.data_table, size=100)
        except Exception as exc:  # noqa: BLE001
            self.say(f"Could not read the data: {fmt.error_text(exc)}")
            return
        table = self.show_table(["_id", "Fields"])
        for doc in self.documents:
            fields = {k: v for k, v in doc.items() if not k.startswith("_")}
            table.add_row(doc["_id"], json.dumps(fields, default=str)[:200], key=doc["_id"])
        self.say(f"{self.data_table}: first {len(self.documents)} documents, oldest first. g view · e edit a field · "
                 "d delete · i insert · backspace tables")

    def _row_key(self) -> str | None:
        table = self.query_one("#em-table")
        if not table.display or not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def run_5(self) -> None:
        key = self._row_key()
        if key is None:
            return
        if self.data_table is None:
            self.data_table = key
            self.load_data()
            return
        self.document = next((d for d in self.documents if d["_id"] == key), None)
        if self.document is not None:
            self.say(json.dumps(self.document, indent=1, default=str)[:3000] +
                     "\n\ne edit a field · d delete · backspace tables")

    def data_back(self) -> bool:
        if self.data_table is not None:
            self.action_up_level()
            return True
        return False

    def action_up_level(self) -> None:
        self.data_table, self.document = None, None
        self.load_data()

    def _record_edit(self, text: str) -> None:
        state = self.checklist.steps[5]
        if state.status != "running":
            self.checklist.start(5)
        edits = list(self.checklist.steps[5].data.get("edits", [])) + [text]
        self.checklist.record(5, edits=edits)
        self.redraw_steps()

    def action_edit_field(self) -> None:
        doc_id = self._row_key()
        if self.data_table is None or doc_id is None:
            self.notify("Open a table and highlight a document first.", severity="warning")
            return

        def edit(value: str) -> None:
            field, _, raw = value.partition("=")
            try:
                parsed = json.loads(raw)
            except ValueError:
                self.notify("The value must be JSON (\"text\", 12, true, null, {...}).", severity="warning")
                return
            self.data_write(f"set {field.strip()} of {doc_id} in {self.data_table}",
                            lambda e: e.patch_field(self.data_table, doc_id, field.strip(), parsed))

        self.ask(f"Edit {doc_id}: type field=JSON value (e.g. status=\"ok\"):", edit)

    def action_delete_doc(self) -> None:
        doc_id = self._row_key()
        if self.data_table is None or doc_id is None:
            return
        table = self.data_table
        self.confirm_typed(f"Delete document {doc_id} from {table}?",
                           lambda: self.data_write(f"deleted {doc_id} from {table}",
                                                   lambda e: e.delete(table, [doc_id])))

    def action_insert_doc(self) -> None:
        if self.data_table is None:
            self.notify("Open a table first.", severity="warning")
            return
        table = self.data_table

        def insert(value: str) -> None:
            try:
                document = json.loads(value)
            except ValueError:
                self.notify("Type a JSON object, e.g. {\"name\": \"x\"}.", severity="warning")
                return
            self.data_write(f"inserted into {table}: {sorted(document) if isinstance(document, dict) else '?'}",
                            lambda e: e.insert(table, document))

        self.ask(f"New document for {table} (a JSON object):", insert)

    @work(exclusive=True, group="em-data-write", exit_on_error=False)
    async def data_write(self, what: str, call) -> None:
        try:
            await call(await self.editor())
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Not changed", severity="error", timeout=12)
            return
        self._record_edit(what)
        self.notify(what, title="Changed")
        self.load_data()

    @work(exclusive=True, group="em-mutation", exit_on_error=False)
    async def action_run_mutation(self) -> None:
        if not await has_user_functions(self.target):
            self.say(NO_USER_FUNCTIONS)
            return
        self.say("Run a mutation by name: `npx convex run <path> '<json args>'` from the project folder with the "
                 "deployment's credentials (see step 3); record what you ran in the incident log.")
