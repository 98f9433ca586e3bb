"""Per-table views of a restore: `TableChanges` (what the staged import will do to every table, before
anything changes) and `TableProgressList` (rows written per table while it runs)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Label, ProgressBar

from tui.services.protocol import TableChange, TableProgress


class TableChanges(DataTable):
    """Every table of a restore plan: rows the restore writes, rows there now, rows it deletes."""

    DEFAULT_CSS = """
    TableChanges { height: auto; max-height: 14; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        self.add_column("Table", key="table")
        self.add_column("Rows written", key="write")
        self.add_column("Rows there now", key="existing")
        self.add_column("Rows deleted", key="delete")

    def show(self, changes: tuple[TableChange, ...]) -> None:
        self.clear()
        for change in sorted(changes, key=lambda c: c.table):
            deleted = Text(f"{change.rows_to_delete:,}", style="bold" if change.rows_to_delete else "")
            if change.rows_to_delete:
                deleted.append(" !")
            self.add_row(change.table, f"{change.rows_to_write:,}", f"{change.existing_rows:,}", deleted,
                         key=change.table)
        if not changes:
            self.add_row("(no tables)", "0", "0", "0")


class TableProgressRow(Horizontal):
    DEFAULT_CSS = """
    TableProgressRow { height: 1; }
    TableProgressRow > .table-name { width: 24; }
    TableProgressRow > ProgressBar { width: 1fr; }
    TableProgressRow > .table-count { width: 22; text-align: right; }
    """

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        name = self.table if len(self.table) <= 22 else self.table[:21] + "…"
        yield Label(name, classes="table-name", markup=False)
        yield ProgressBar(total=None, show_eta=False, show_percentage=True)
        yield Label("", classes="table-count")

    def show(self, row: TableProgress) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(row.total, 1), progress=min(row.written, row.total) if row.total else 1)
        self.query_one(".table-count", Label).update(f"{row.written:,} / {row.total:,} rows")


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
                row = self._rows[table.table] = TableProgressRow(table.table)
                self.mount(row)
                self.call_after_refresh(row.show, table)
            else:
                row.show(table)
