"""`DiffScreen`: what changed between a backup and the deployment now (tui/commands/README.md "Comparing a backup with
now"), in three levels: the tables with their four counts; Enter: one table's changed, created and deleted
documents; Enter: one document field by field, old -> new with their Convex types. esc backs out one
level, then closes. Against now, space marks a table or a document and R restores the marked ones
(`DocumentsRestoreScreen`, tui/commands/README.md "Restore only what is broken").

    DiffScreen(target, deployment, backup)        # the backup against a fresh snapshot of now
    DiffScreen(None, None, None, paths=(old, new)) # two ZIPs on disk

A worker takes the snapshot of now and downloads the backup into a temporary folder (deleted on leaving),
then the diff engine compares them in a thread; the progress bar follows both."""

from __future__ import annotations

import tempfile
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, ProgressBar, Static

from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, Progress
from tui.services.snapshots.compare import DiffStore, DocumentChange, value_json
from tui.widgets.key_bar import KeyBar

STYLES = Path(__file__).parents[2] / "styles"
VALUE_CHARS = 60
COUNT_WIDTH = 11  # counts up to 999,999,999 line up on the right


def value_text(value, type_name: str | None) -> str:
    if type_name is None:
        return "(absent)"
    text = value_json(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


class DiffScreen(Screen[None]):
    CSS_PATH = [STYLES / "diff.tcss"]
    BINDINGS = [
        Binding("escape", "back", "Back", id="diff_back"),
        Binding("right_square_bracket", "next_page", "Next page", show=False, id="diff_next_page"),
        Binding("left_square_bracket", "previous_page", "Previous page", show=False, id="diff_previous_page"),
        Binding("space", "mark", "Mark", id="diff_mark"),
        Binding("R", "restore_marked", "Restore marked", id="diff_restore_marked"),
    ]
    PAGE = 500  # documents of a table shown at once (the headless `diff --json` lists them all)
    HELP = (
        "Tables first, with documents unchanged, changed, created and deleted since the backup. Enter opens "
        "a table's documents, Enter again one document's fields (old → new, with their types); esc goes back. "
        "Against now: space marks a table or a document, R restores the marked ones from the backup "
        '(tui/commands/README.md, "Restore only what is broken").'
    )
    MARK = "✓ "

    def __init__(
        self,
        target: BackupTarget | None,
        deployment: DeploymentRef | None,
        backup: BackupRecord | None,
        *,
        paths: tuple[Path, Path] | None = None,
    ) -> None:
        super().__init__()
        self.target, self.deployment, self.backup, self.paths = target, deployment, backup, paths
        self.store: DiffStore | None = None
        self.level = 0  # 0 tables, 1 documents of `table`, 2 fields of `document`
        self.table: str | None = None
        self.document: DocumentChange | None = None
        self.page = 0  # of the table's documents
        self.starts: list[str] = [""]  # the id each page of documents starts after
        self._temp: tempfile.TemporaryDirectory | None = None
        self._latest: Progress | None = None
        self._shown: Progress | None = None
        self.marked_tables: set[str] = set()  # every difference of these tables
        self.marked_documents: dict[str, set[str]] = {}  # table -> ids

    # -- layout --------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="diff"):
            yield Static(self._title(), id="diff-title", markup=False)
            yield Static("", id="diff-status", markup=False)
            yield ProgressBar(total=100, show_eta=False, id="diff-bar")
            yield Static("", id="diff-where", markup=False)
            yield DataTable(id="diff-grid", cursor_type="row", zebra_stripes=True)
            yield Static("", id="diff-hint", markup=False)
        yield KeyBar()

    def _title(self) -> str:
        if self.paths is not None:
            return f"Compare {self.paths[0].name} with {self.paths[1].name}"
        assert self.backup is not None and self.deployment is not None
        return f"Compare backup {self.backup.id} of {self.deployment.name} with now"

    def on_mount(self) -> None:
        self.query_one(DataTable).display = False
        self.set_interval(0.2, self._show_progress)
        self._status("Starting…")
        self._compare()

    def _status(self, text: str) -> None:
        self.query_one("#diff-status", Static).update(text)

    def _progress(self, progress: Progress) -> None:
        """Called from the worker and from the engine's thread: only remembered; a timer draws it."""
        self._latest = progress

    def _show_progress(self) -> None:
        latest = self._latest
        if latest is None or latest is self._shown or self.store is not None:
            return
        self._shown = latest
        self._status(latest.message)
        if latest.fraction is not None:
            self.query_one(ProgressBar).update(total=100, progress=latest.fraction * 100)

    # -- the work --------------------------------------------------------------------------------------------
    @work(exclusive=True, group="diff", exit_on_error=False)
    async def _compare(self) -> None:
        from tui.screens.restore.text import explain
        from tui.services.snapshots.compare import compare_backup, compare_files

        self._temp = tempfile.TemporaryDirectory(prefix="convex-backups-diff-")
        folder = Path(self._temp.name)
        try:
            if self.paths is not None:
                store = await compare_files(*self.paths, folder, on_progress=self._progress)
            else:
                assert self.target is not None and self.deployment is not None and self.backup is not None
                if self.backup.state != "complete":
                    raise ValueError(
                        f"backup {self.backup.id} is {self.backup.state}; only a complete backup can be compared"
                    )
                store = await compare_backup(
                    self.target, self.deployment, self.backup.id, folder, on_progress=self._progress
                )
        except Exception as exc:  # noqa: BLE001 (every failure is shown, with what to do)
            happened, todo = explain(exc, "comparing")
            self._status(f"{happened}\nWhat to do: {todo}")
            self.query_one("#diff-status").add_class("error-text")
            self.query_one(ProgressBar).display = False
            return
        if not self.is_attached:
            store.close()
            return
        self.store = store
        self.query_one(ProgressBar).display = False
        self.show_tables()

    # -- the three levels ---------------------------------------------------------------------------------
    def _grid(self, *columns: str, numbers: tuple[str, ...] = ()) -> DataTable:
        """`numbers`: columns of counts, given a fixed width so their figures line up on the right."""
        grid = self.query_one(DataTable)
        grid.clear(columns=True)
        for label in columns:
            if label in numbers:
                grid.add_column(f"{label:>{COUNT_WIDTH}}", key=label)
            else:
                grid.add_column(label, key=label)
        grid.display = True
        return grid

    def show_tables(self, focus: str | None = None) -> None:
        assert self.store is not None
        self.level, self.table, self.document = 0, None, None
        tables = self.store.tables()
        differing = sum(1 for t in tables if t.differs)
        since = " since the backup" if self.paths is None else ""
        self._status(f"{len(tables)} tables, {differing} with changes{since}")
        self.query_one("#diff-where", Static).update("")
        grid = self._grid(
            "Table",
            "Unchanged",
            "Changed",
            "Created",
            "Deleted",
            numbers=("Unchanged", "Changed", "Created", "Deleted"),
        )
        for t in tables:
            grid.add_row(
                self._table_cell(t.table),
                *(f"{n:>{COUNT_WIDTH},}" for n in (t.unchanged, t.changed, t.created, t.deleted)),
                key=t.table,
            )
        self._hint(
            "Enter: the table's documents · space: mark · R: restore marked · esc: close"
            if self._can_restore
            else "Enter: the table's documents · esc: close"
        )
        self._focus(grid, focus)

    def show_documents(self, table: str, focus: str | None = None, page: int | None = None) -> None:
        """One page of the table's changed, created and deleted documents, by id (`]` and `[` turn pages)."""
        assert self.store is not None
        if table != self.table or (page is None and focus is None):
            self.starts = [""]
        self.level, self.table, self.document = 1, table, None
        if page is not None:
            self.page = page
        elif focus is None:
            self.page = 0  # a table opened from the tables; coming back from a document keeps its page
        counts = self.store.counts(table)
        total = counts.changed + counts.created + counts.deleted
        documents = self.store.documents(table, after=self.starts[self.page], limit=self.PAGE)
        if len(self.starts) == self.page + 1 and total > (self.page + 1) * self.PAGE:
            self.starts.append(documents[-1].id)
        pages = max(1, -(-total // self.PAGE))
        shown = f" · page {self.page + 1} of {pages:,} (] next, [ previous)" if pages > 1 else ""
        self._status(
            f"{table}: {counts.changed:,} changed, {counts.created:,} created, {counts.deleted:,} deleted, "
            f"{counts.unchanged:,} unchanged{shown}"
        )
        self.query_one("#diff-where", Static).update(f"Tables › {table}")
        grid = self._grid("Status", "Document id", "Fields")
        for document in documents:
            if document.status == "changed":
                names = ", ".join(f.path for f in document.fields())
            else:
                names = "(the whole document)"
            grid.add_row(
                self._status_cell(table, document.id, document.status),
                document.id,
                names if len(names) <= 60 else names[:59] + "…",
                key=document.id,
            )
        self._hint(
            "Enter: the document's fields · space: mark · R: restore marked · esc: back to the tables"
            if self._can_restore
            else "Enter: the document's fields · esc: back to the tables"
        )
        self._focus(grid, focus)

    # -- marking and restoring what is marked (tui/commands/README.md "Restore only what is broken") -----------
    @property
    def _can_restore(self) -> bool:
        return self.paths is None and self.target is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mark", "restore_marked"):
            return self._can_restore  # two ZIPs on disk have no deployment to restore into
        return True

    def _table_cell(self, table: str) -> str:
        return self.MARK + table if table in self.marked_tables else table

    def _status_cell(self, table: str, document_id: str, status: str) -> str:
        marked = table in self.marked_tables or document_id in self.marked_documents.get(table, ())
        return self.MARK + status if marked else status

    def action_mark(self) -> None:
        if self.store is None or not self._can_restore:
            return
        grid = self.query_one(DataTable)
        if grid.row_count == 0:
            return
        key = grid.coordinate_to_cell_key(grid.cursor_coordinate).row_key.value
        if self.level == 0 and key is not None:
            if key == "_storage" or key.endswith("/_storage"):
                self._status("Stored files are restored with whole tables (restore --tables), not marked here.")
                return
            if not self.store.counts(key).differs:
                self._status(f"{key} has no differences to restore.")
                return
            self.marked_tables ^= {key}
            self.marked_documents.pop(key, None)
            grid.update_cell(key, "Table", self._table_cell(key))
        elif self.level == 1 and self.table is not None and key is not None:
            if self.table in self.marked_tables:
                self._status(f"All of {self.table} is marked; unmark it on the tables (esc) to choose documents.")
                return
            chosen = self.marked_documents.setdefault(self.table, set())
            chosen ^= {key}
            if not chosen:
                del self.marked_documents[self.table]
            document = self.store.document(self.table, key)
            grid.update_cell(key, "Status", self._status_cell(self.table, key, document.status if document else ""))
        else:
            return
        if grid.cursor_row + 1 < grid.row_count:
            grid.move_cursor(row=grid.cursor_row + 1)
        self._status(self._marked_words())

    def _marked_words(self) -> str:
        documents = sum(len(ids) for ids in self.marked_documents.values())
        parts = []
        if self.marked_tables:
            parts.append(f"all differences of {', '.join(sorted(self.marked_tables))}")
        if documents:
            parts.append(f"{documents:,} document(s)")
        return f"Marked: {' and '.join(parts)}. R restores them from the backup." if parts else "Nothing marked."

    def marked_plan(self):
        """The marks as a `DocumentsPlan`: a marked table brings every difference back, a marked document its own."""
        from tui.services.restore.documents_plan import ALL, DocumentsPlan, TableChoice

        tables = {table: TableChoice(ALL, ALL, ALL) for table in sorted(self.marked_tables)}
        assert self.store is not None
        for table, ids in self.marked_documents.items():
            choice = TableChoice(set(), set(), set())
            for document_id in ids:
                document = self.store.document(table, document_id)
                if document is not None:
                    action = {"changed": "revert", "deleted": "recreate", "created": "remove"}[document.status]
                    getattr(choice, action).add(document_id)
            tables[table] = choice
        return DocumentsPlan(
            tables,
            backup=self.backup.id if self.backup else None,
            deployment=self.deployment.name if self.deployment else None,
        )

    def action_restore_marked(self) -> None:
        if self.store is None or not self._can_restore:
            return
        if not self.marked_tables and not self.marked_documents:
            self._status("Nothing marked: mark tables or documents with space first, then R.")
            return
        from tui.screens.restore.documents import DocumentsRestoreScreen

        assert self.target is not None and self.deployment is not None and self.backup is not None
        screen = DocumentsRestoreScreen(
            self.target, self.deployment, self.backup, self.marked_plan(), Path(self.store.sides["old"])
        )
        self.app.push_screen(screen, self._restored)

    def _restored(self, done: bool | None) -> None:
        if not done:
            return
        self.marked_tables.clear()
        self.marked_documents.clear()
        if self.store is not None:
            self.store.close()
            self.store = None
        self.query_one(DataTable).display = False
        self.query_one(ProgressBar).display = True
        self._status("Comparing the backup with now again…")
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None
        self._compare()

    def action_next_page(self) -> None:
        if self.level == 1 and self.table is not None and self.page + 1 < len(self.starts):
            self.show_documents(self.table, page=self.page + 1)

    def action_previous_page(self) -> None:
        if self.level == 1 and self.table is not None and self.page > 0:
            self.show_documents(self.table, page=self.page - 1)

    def show_document(self, document: DocumentChange) -> None:
        self.level, self.document = 2, document
        self.query_one("#diff-where", Static).update(f"Tables › {document.table} › {document.id}")
        words = {
            "changed": "changed since the backup",
            "created": "created since the backup (not in it)",
            "deleted": "deleted since the backup (only in it)",
        }[document.status]
        self._status(f"Document {document.id}: {words}")
        grid = self._grid("Field", "Old", "Old type", "New", "New type")
        for change in document.fields():  # a created or deleted document: every field, added or removed
            grid.add_row(
                change.path,
                value_text(change.old, change.old_type),
                change.old_type or "—",
                value_text(change.new, change.new_type),
                change.new_type or "—",
                key=change.path,
            )
        self._hint("esc: back to the documents")
        grid.focus()

    def _hint(self, text: str) -> None:
        self.query_one("#diff-hint", Static).update(text)

    @staticmethod
    def _focus(grid: DataTable, key: str | None) -> None:
        grid.focus()
        if key is not None:
            try:
                grid.move_cursor(row=grid.get_row_index(key))
            except Exception:  # noqa: BLE001 (the row is gone: stay at the top)
                pass

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self.store is None or event.row_key.value is None:
            return
        event.stop()
        if self.level == 0:
            self.show_documents(event.row_key.value)
        elif self.level == 1 and self.table is not None:
            document = self.store.document(self.table, event.row_key.value)
            if document is not None:
                self.show_document(document)

    def action_back(self) -> None:
        if self.level == 2 and self.table is not None:
            self.show_documents(self.table, focus=self.document.id if self.document else None)
        elif self.level == 1:
            self.show_tables(focus=self.table)
        else:
            self.dismiss(None)

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()
        if self._temp is not None:
            self._temp.cleanup()
