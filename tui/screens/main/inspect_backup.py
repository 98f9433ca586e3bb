"""`InspectScreen`: what is inside a backup — tables with document counts and sizes, storage files, a few
sample documents — compared with the deployment's current tables where the target can count them.

    InspectScreen(target, deployment, backup, path=None)

A backup can only be read as a ZIP, so the screen saves it into a temporary folder with the target's
`download_backup` (and says so), inspects that copy, and deletes it on leaving.
With `path`, it inspects a ZIP already on disk. Dismisses with None; esc closes it."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, ProgressBar, Static

from tui.screens import host_app
from tui.services.downloads.values import DownloadProgress
from tui.services.snapshots.inspect import inspect_file
from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef
from tui.screens.restore.text import explain
from tui.widgets.formatting import size
from tui.widgets.marked_table import MarkedDataTable
from tui.widgets.key_bar import KeyBar

STYLES = Path(__file__).parents[2] / "styles"
SAMPLE_CHARS = 300


def sample_lines(body: dict[str, Any], per_table: int = 2) -> str:
    lines = []
    for table in body["tables"]:
        for document in table["samples"][:per_table]:
            text = json.dumps(document, ensure_ascii=False, sort_keys=True)
            text = text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS] + "…"
            lines.append(f"{table['name']}: {text}")
    return "\n".join(lines) or "(no documents)"


class InspectScreen(Screen[None]):
    CSS_PATH = [STYLES / "dialogs.tcss"]
    BINDINGS = [Binding("escape", "close", "Back", id="inspect_back")]

    def __init__(
        self, target: BackupTarget, deployment: DeploymentRef, backup: BackupRecord | None, path: Path | None = None
    ) -> None:
        super().__init__()
        self.target = target
        self.deployment = deployment
        self.backup = backup
        self.path = path
        self._temp: tempfile.TemporaryDirectory | None = None
        self.body: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        what = f"backup {self.backup.id}" if self.backup else (self.path.name if self.path else "a ZIP")
        with Vertical(id="inspect"):
            yield Static(f"Inspect {what} of {self.deployment.name}", id="inspect-title", markup=False)
            yield Static("", id="inspect-status", markup=False)
            yield ProgressBar(total=100, show_eta=False, id="inspect-bar", classes="hidden")
            with VerticalScroll(id="inspect-body"):
                yield MarkedDataTable(id="inspect-tables", cursor_type="row")
                yield Static("", id="inspect-storage", markup=False)
                yield Static("", id="inspect-compare", markup=False)
                yield Static("Sample documents", classes="section")
                yield Static("", id="inspect-samples", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (
            ("Table", "table"),
            ("Documents", "docs"),
            ("Size", "size"),
            ("Now in deployment", "now"),
            ("Difference", "diff"),
        ):
            table.add_column(label, key=key)
        self._load()

    def _status(self, text: str) -> None:
        self.query_one("#inspect-status", Static).update(text)

    @work(exclusive=True, group="inspect", exit_on_error=False)
    async def _load(self) -> None:
        try:
            path = self.path or await self._download()
            if path is None:
                return
            self._status(f"Reading {path.name}…")
            self.body = await asyncio.to_thread(inspect_file, path, samples=3)
        except Exception as exc:
            happened, todo = explain(exc, "reading the backup")
            self._status(f"{happened}\nWhat to do: {todo}")
            self.query_one("#inspect-status").add_class("error-text")
            return
        self.query_one("#inspect-bar").add_class("hidden")
        self._remember_counts()
        where = "a temporary copy, deleted when you leave" if self._temp else str(path)
        self._status(
            f"{self.body['documents']:,} documents in {len(self.body['tables'])} tables · "
            f"snapshot {self.body.get('snapshotTime') or '—'} · read from {where}"
        )
        current = await self._current_counts()
        self._show(self.body, current)

    async def _download(self) -> Path | None:
        assert self.backup is not None
        self._temp = tempfile.TemporaryDirectory(prefix="convex-backups-inspect-")
        self._status(
            f"A backup is read from its ZIP: saving backup {self.backup.id} into a temporary folder "
            f"({self._temp.name}), verified, deleted when you leave…"
        )
        bar = self.query_one("#inspect-bar", ProgressBar)
        bar.remove_class("hidden")

        def progress(value: DownloadProgress) -> None:
            fraction = value.fraction
            if fraction is not None:
                bar.update(total=100, progress=fraction * 100)

        result = await self.target.download_backup(
            self.deployment, self.backup.id, folder=Path(self._temp.name), progress=progress
        )
        return result.path

    def _remember_counts(self) -> None:
        """The counts just read are the backup's: kept for the trend, so it never downloads them again."""
        from tui.services.snapshots import stats as backup_stats

        if self.backup is None or self.body is None or self.backup.deployment != self.deployment.name:
            return
        cache = backup_stats.StatsCache.for_homes_or_target(host_app.session_homes(self.app), self.target)
        try:
            backup_stats.record_summary(cache, self.deployment, self.backup, self.body)
        except Exception:  # noqa: BLE001 - a trend must never stop an inspection
            pass

    async def _current_counts(self) -> dict[str, int] | None:
        """The deployment's tables now, counted through its data API; None where the target has none, for
        another deployment's backup, or when counting fails (the screen then says there is no comparison)."""
        from tui.services.checklist.operations import table_counts

        if not self.target.has_data_api or (self.backup and self.backup.deployment != self.deployment.name):
            return None
        try:
            return await table_counts(self.target, self.deployment)
        except Exception:  # noqa: BLE001 - the backup's own counts are still worth showing
            return None

    def _show(self, body: dict[str, Any], current: dict[str, int] | None) -> None:
        table = self.query_one(DataTable)
        for row in body["tables"]:
            name = f"{row['component']}/{row['name']}" if row["component"] else row["name"]
            now = "—" if current is None else f"{current.get(name, 0):,}"
            diff = "—" if current is None else f"{row['documents'] - current.get(name, 0):+,}"
            table.add_row(name, f"{row['documents']:,}", size(row["bytes"]), now, diff, key=name)
        if current is not None:
            for name in sorted(set(current) - {r["name"] for r in body["tables"]}):
                table.add_row(name, "0", "—", f"{current[name]:,}", f"{-current[name]:+,}", key=name)
        storage = body["storage"]
        self.query_one("#inspect-storage", Static).update(
            f"File storage: {storage['files']:,} files ({size(storage['bytes'])}), {storage['members']:,} in the ZIP"
            if storage["files"] or storage["members"]
            else "File storage: none (a tables-only backup)"
        )
        self.query_one("#inspect-compare", Static).update(
            "Compared with the deployment's tables now (Difference = backup − now)."
            if current is not None
            else "The deployment's current tables cannot be counted through this target, so there is no comparison."
        )
        self.query_one("#inspect-samples", Static).update(sample_lines(body))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_unmount(self) -> None:
        if self._temp is not None:
            self._temp.cleanup()
