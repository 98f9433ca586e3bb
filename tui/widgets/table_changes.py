"""Per-table views of a restore: `TableChanges` (what the staged import will do to every table, before
anything changes) and `TableProgressList` (rows written per table while it runs)."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Label, ProgressBar

from tui.services.protocol import TableChange, TableProgress
from tui.services.restore.flow import is_storage


class TableChanges(DataTable):
    """Every table of a restore plan: what the restore writes, what is there now, what it deletes; in
    documents, and in files for `_storage`."""

    DEFAULT_CSS = """
    TableChanges { height: auto; max-height: 14; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        self.add_column("Table", key="table")
        self.add_column("Will write", key="write")
        self.add_column("There now", key="existing")
        self.add_column("Will delete", key="delete")

    def show(self, changes: tuple[TableChange, ...]) -> None:
        self.clear()
        for change in sorted(changes, key=lambda c: c.table):
            unit = " files" if is_storage(change.table) else ""
            deleted = Text(f"{change.rows_to_delete:,}{unit}", style="bold" if change.rows_to_delete else "")
            if change.rows_to_delete:
                deleted.append(" !")
            self.add_row(
                change.table,
                f"{change.rows_to_write:,}{unit}",
                f"{change.existing_rows:,}{unit}",
                deleted,
                key=change.table,
            )
        if not changes:
            self.add_row("(no tables)", "0", "0", "0")


class TableProgressRow(Horizontal):
    DEFAULT_CSS = """
    TableProgressRow { height: 1; }
    TableProgressRow > .table-name { width: 24; }
    TableProgressRow > ProgressBar { width: 1fr; }
    TableProgressRow > .table-count { width: 33; text-align: right; }
    """

    def __init__(self, row: TableProgress) -> None:
        super().__init__()
        self.table = row.table
        self.latest = row  # what is drawn once mounted: always the newest value, however fast they come

    def compose(self) -> ComposeResult:
        name = self.table if len(self.table) <= 22 else self.table[:21] + "…"
        yield Label(name, classes="table-name", markup=False)
        yield ProgressBar(total=None, show_eta=False, show_percentage=True)
        yield Label("", classes="table-count")

    def on_mount(self) -> None:
        self._draw()

    def show(self, row: TableProgress) -> None:
        self.latest = row
        if self.is_mounted:
            self._draw()

    def _draw(self) -> None:
        row = self.latest
        bar = self.query_one(ProgressBar)
        bar.update(total=max(row.total, 1), progress=min(row.written, row.total) if row.total else 1)
        self.query_one(".table-count", Label).update(progress_words(row))


def progress_words(row: TableProgress) -> str:
    """ "812 / 830 documents written"; files for `_storage`."""
    unit = "files" if is_storage(row.table) else "documents"
    return f"{row.written:,} / {row.total:,} {unit} written"


class TableProgressList(VerticalScroll):
    """One progress bar per table, in name order; rows appear as the server reports tables."""

    DEFAULT_CSS = """
    TableProgressList { height: auto; max-height: 12; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, can_focus=True)
        self._rows: dict[str, TableProgressRow] = {}

    def show(self, tables: tuple[TableProgress, ...]) -> None:
        for table in sorted(tables, key=lambda t: t.table):
            row = self._rows.get(table.table)
            if row is None:
                row = self._rows[table.table] = TableProgressRow(table)
                self.mount(row)
            else:
                row.show(table)

    def complete(self) -> None:
        """The restore completed: it wrote every table whole (an import is all or nothing), whatever the
        last counters said."""
        for row in self._rows.values():
            row.show(replace(row.latest, written=max(row.latest.written, row.latest.total)))

    @property
    def counts(self) -> dict[str, TableProgress]:
        """The newest value of every table (what each row draws, or will once mounted)."""
        return {name: row.latest for name, row in self._rows.items()}
