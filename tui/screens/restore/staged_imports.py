"""`StagedImportsDialog`: a deployment's snapshot imports (restores included), staged ones first, and the way
out of one left behind: `x` cancels the chosen import after a confirmation with `y`.

    StagedImportsDialog(target, deployment)

An import left uploaded or waiting for confirmation (an app or `npx convex import` killed at its review
step) blocks every later restore and import of the deployment, and nothing on the server times it out.
Cancelling it changes no data. Dismisses with the number of imports cancelled."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.screens.dialogs.confirm import ConfirmDialog
from tui.screens.dialogs.base import DIALOG_STYLES, Dialog
from tui.services.protocol import BackupTarget, DeploymentRef
from tui.services.restore.staged_imports import ImportRecord, age_text
from tui.widgets import formatting as fmt

STYLES = Path(__file__).parents[2] / "styles"


def describe(record: ImportRecord, now: datetime) -> str:
    tables = ", ".join(record.tables) or "not read yet"
    lines = [
        f"Import {record.id}: {record.state.replace('_', ' ')}, {age_text(record.age_seconds(now))} old.",
        f"It is {record.who}.",
        f"Tables: {tables}.",
    ]
    if record.staged:
        lines.append(
            "Nothing has changed yet; until it is confirmed or cancelled, every restore and import of "
            "this deployment is refused."
        )
        if record.requestor == "cloudRestore":
            lines.append(
                "Careful: Convex's dashboard confirms the newest staged cloud restore by itself as soon as "
                "anyone opens this deployment's Backups page."
            )
    elif record.state == "in_progress":
        lines.append("It is writing now. Cancelling stops it and leaves the data as it was before it.")
    if record.error:
        lines.append(f"It ended: {record.error}")
    return "\n".join(lines)


class StagedImportsDialog(Dialog):
    CSS_PATH = [DIALOG_STYLES, STYLES / "staged_imports.tcss"]
    BINDINGS = [
        Binding("x", "cancel_import", "Cancel import", id="staged_cancel"),
        Binding("f5", "reload", "Reload", id="staged_reload"),
    ]
    HELP = (
        "The deployment's newest imports and restores, staged ones first. A staged import (uploaded, "
        "waiting for confirmation) blocks every later restore and import until it is confirmed or "
        "cancelled: x cancels the chosen one after you confirm with y. Cancelling changes no data."
    )

    def __init__(self, target: BackupTarget, deployment: DeploymentRef) -> None:
        super().__init__()
        self.target = target
        self.deployment = deployment
        self.records: list[ImportRecord] = []
        self.cancelled = 0

    def compose(self) -> ComposeResult:
        ref = self.deployment
        with Vertical(classes="dialog staged-imports"):
            yield Static(f"Imports of {ref.name} ({ref.danger_label})", classes="dialog-title")
            yield DataTable(id="staged-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="staged-detail", classes="dialog-body")
            yield Static("x cancel the chosen import · F5 reload · esc close", classes="dialog-hint")

    def on_mount(self) -> None:
        table = self.query_one("#staged-table", DataTable)
        table.add_columns("State", "Age", "Tables", "Staged by", "Id")  # the id last: it is in the text below too
        table.loading = True
        self.load()

    def action_cancel(self) -> None:
        self.dismiss(self.cancelled)

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="staged-load", exit_on_error=False)
    async def load(self) -> None:
        table = self.query_one("#staged-table", DataTable)
        try:
            records = await self.target.list_imports(self.deployment)
        except Exception as exc:  # noqa: BLE001 - shown to the operator
            table.loading = False
            self.query_one("#staged-detail", Static).update(f"Could not list the imports: {fmt.error_text(exc)}")
            return
        self.records = sorted(records, key=lambda r: (not r.staged, not r.unfinished))
        self._draw()

    def _draw(self) -> None:
        now = datetime.now(timezone.utc)
        table = self.query_one("#staged-table", DataTable)
        table.loading = False
        table.clear()
        for record in self.records:
            who = "cloud restore" if record.requestor == "cloudRestore" else "import"
            if record.staged_here:
                who += ", this app"
            table.add_row(
                record.state.replace("_", " "),
                age_text(record.age_seconds(now)),
                ", ".join(record.tables) or "–",
                who,
                record.id,
                key=record.id,
            )
        staged = sum(1 for r in self.records if r.staged)
        if not self.records:
            text = "No imports on this deployment."
        elif staged:
            text = (
                f"{staged} staged import(s) block the next restore or import of {self.deployment.name}. "
                "Choose one and press x to cancel it."
            )
        else:
            text = "Nothing is staged: restores and imports of this deployment are not blocked."
        self.query_one("#staged-detail", Static).update(text)
        if self.records:
            table.focus()

    @property
    def chosen(self) -> ImportRecord | None:
        table = self.query_one("#staged-table", DataTable)
        if not self.records or table.cursor_row is None or table.cursor_row >= len(self.records):
            return None
        return self.records[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        record = self.chosen
        if record is not None:
            self.query_one("#staged-detail", Static).update(describe(record, datetime.now(timezone.utc)))

    def action_cancel_import(self) -> None:
        record = self.chosen
        if record is None:
            self.notify("There is no import to cancel.", severity="warning")
            return
        if not record.unfinished:
            self.notify(f"Import {record.id} already {record.state}: there is nothing to cancel.", severity="warning")
            return
        if self.deployment.read_only:
            self.notify(
                f"{self.deployment.name} is read-only in this app's configuration: nothing is cancelled.",
                title="Read-only deployment",
                severity="warning",
            )
            return
        running = record.state == "in_progress"
        body = f"Cancel import {record.id} on {self.deployment.name} ({self.deployment.danger_label})? " + (
            "It is running now: it stops, and the data stays as it was before it."
            if running
            else "It was never confirmed, so no data changes; the deployment accepts restores and imports again."
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.cancel_chosen(record)

        self.app.push_screen(
            ConfirmDialog("Cancel an import", body, confirm_key="y", confirm_label="Cancel import", danger=running),
            confirmed,
        )

    @work(exclusive=True, group="staged-cancel", exit_on_error=False)
    async def cancel_chosen(self, record: ImportRecord) -> None:
        try:
            await self.target.cancel_import(self.deployment, record.id)
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title=f"Could not cancel import {record.id}", severity="error")
        else:
            self.cancelled += 1
            self.notify(
                f"Cancelled import {record.id} on {self.deployment.name}. No data was changed.",
                title="Import cancelled",
            )
        self.load()
