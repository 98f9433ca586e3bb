"""Step "Tables" of the restore wizard, reached with `t` on a backup instead of enter: restore only the
tables marked here and leave every other table as it is (tui/services/restore/tables.py). The backup is
downloaded and verified first to list its tables; the wizard runs that in a worker and calls
`show_progress`, `show_tables` or `show_error`. Draws only."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, SelectionList, Static

from tui.services.protocol import BackupRecord, Progress
from tui.widgets.formatting import exact

LOADING_KEYS = "wait while the backup is read · esc back to the backups"
LIST_KEYS = "space marks a table · c continue with the marked tables · esc back to the backups"


class TablesStep(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="step")

    def compose(self) -> ComposeResult:
        yield Static("Choose the tables to restore", classes="step-title")
        yield Static("", id="tables-about", markup=False)
        yield ProgressBar(total=100, show_eta=False, id="tables-bar")
        yield SelectionList[str](id="tables-list", classes="hidden")
        yield Static("", id="tables-note", markup=False)
        yield Static(LOADING_KEYS, id="tables-keys", classes="keys-hint", markup=False)

    def start(self, backup: BackupRecord, deployment: str) -> None:
        when = exact(backup.completed or backup.requested)
        self.query_one("#tables-about", Static).update(
            f"Backup {backup.id} of {backup.source_deployment} ({when}). The tables you mark are replaced by the "
            f"backup's, atomically; every other table of {deployment} is left exactly as it is (an import in "
            "replace mode, as npx convex import --replace does)."
        )
        selection = self.query_one(SelectionList)
        selection.clear_options()
        selection.add_class("hidden")
        self.query_one("#tables-bar").remove_class("hidden")
        self.show_note(
            f"Reading the backup's tables: downloading backup {backup.id} (verified; deleted when you leave)…"
        )
        self.query_one("#tables-keys", Static).update(LOADING_KEYS)

    def show_progress(self, progress: Progress) -> None:
        if progress.fraction is not None:
            self.query_one("#tables-bar", ProgressBar).update(total=100, progress=progress.fraction * 100)
        self.show_note(progress.message)

    def show_tables(self, tables: list[str]) -> None:
        self.query_one("#tables-bar").add_class("hidden")
        selection = self.query_one(SelectionList)
        selection.add_options([(name, name) for name in tables])
        selection.remove_class("hidden")
        if tables:
            selection.highlighted = 0  # space marks the first table at once
        files = (
            " (_storage is file storage: marked, the deployment's files become the backup's)"
            if "_storage" in tables
            else ""
        )
        self.show_note(f"{len(tables)} tables in the backup{files}. Nothing is marked yet.")
        self.query_one("#tables-keys", Static).update(LIST_KEYS)
        selection.focus()

    def show_error(self, happened: str, todo: str) -> None:
        self.query_one("#tables-bar").add_class("hidden")
        self.show_note(f"{happened}\nWhat to do: {todo}")
        self.query_one("#tables-keys", Static).update("esc back to the backups")

    def show_note(self, text: str) -> None:
        self.query_one("#tables-note", Static).update(text)

    @on(SelectionList.SelectedChanged)
    def _marked(self, event: SelectionList.SelectedChanged) -> None:
        marked = self.marked
        count = self.query_one(SelectionList).option_count
        self.show_note(
            f"Marked {len(marked)} of {count}: {', '.join(marked)}. c continues with them; every other "
            "table is left as it is."
            if marked
            else "Nothing is marked yet."
        )

    @property
    def marked(self) -> list[str]:
        return list(self.query_one(SelectionList).selected)
