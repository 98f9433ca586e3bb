"""Restore only chosen tables of a backup and leave every other table as it is (tui/commands/README.md "Restore only
some tables"). Convex's restore replaces every table; its import in `replace` mode replaces, atomically, exactly
the tables present in the ZIP (what `npx convex import --replace` does). So:

1. `fetch`: download the backup (the verified download every backup gets) into a temporary folder and read
   which tables it holds; the counts it holds are remembered for the trend (`tui.services.snapshots.stats`).
2. `check`: a name the backup lacks is refused, listing the tables it has, before any safety backup.
3. `stage`: write a ZIP holding only the chosen tables (`_storage` only when chosen) and stage it as an
   import in `replace` mode: the `RestorePlan` lists exactly those tables and nothing changes until it is
   confirmed like any restore.

`close` deletes the temporary folder (the staged import holds its own copy on the deployment)."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path

from tui.archive.reader import SnapshotReader
from tui.archive.subset import table_labels, write_table_subset
from tui.services.snapshots.stats import StatsCache, record_zip
from tui.services.errors import Refused
from tui.services.downloads.values import DownloadProgress
from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, Progress, RestorePlan

log = logging.getLogger("tui.services.restore.tables")
REPLACE_MODE = "replace"  # replaces the tables in the file, leaves the others alone


class UnknownTables(Refused):
    """Chosen table names the backup does not hold."""


def parse_tables(text: str) -> list[str]:
    """`a,b , c` -> ['a', 'b', 'c'] (order kept, repeats dropped)."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def tables_words(tables: Collection[str]) -> str:
    return ", ".join(tables)


class TablesRestore:
    def __init__(
        self, target: BackupTarget, source: DeploymentRef, backup: BackupRecord, *, stats: StatsCache | None = None
    ) -> None:
        self.target = target
        self.stats = stats
        self.source = source
        self.backup = backup
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self.zip_path: Path | None = None
        self.tables: list[str] = []

    async def fetch(self, on_progress: Callable[[Progress], None] | None = None) -> list[str]:
        """Download and verify the backup once; its tables (`component/table` in a component, `_storage`)."""
        if self.zip_path is not None:
            return self.tables
        self._folder = tempfile.TemporaryDirectory(prefix="convex-backups-tables-")

        def progress(value: DownloadProgress) -> None:
            if on_progress is not None:
                on_progress(value.as_progress())

        result = await self.target.download_backup(
            self.source, self.backup.id, folder=Path(self._folder.name), progress=progress
        )
        self.zip_path = result.path
        self.tables = await asyncio.to_thread(_read_tables, result.path)
        try:  # counted while it is here: the trend never downloads it again
            await asyncio.to_thread(record_zip, self.stats, self.source, self.backup, result.path)
        except Exception as exc:  # noqa: BLE001 - a trend must never stop a restore
            log.info("could not count backup %s (%s)", self.backup.id, type(exc).__name__)
        return self.tables

    def check(self, chosen: Collection[str]) -> list[str]:
        """The chosen names, in the backup's order; raises `UnknownTables` for a name it lacks."""
        chosen = list(dict.fromkeys(chosen))
        if not chosen:
            raise UnknownTables(
                f"No table chosen; backup {self.backup.id} has {tables_words(self.tables)}.", code="NoTableChosen"
            )
        missing = [name for name in chosen if name not in self.tables]
        if missing:
            noun = "table" if len(missing) == 1 else "tables"
            raise UnknownTables(
                f"Backup {self.backup.id} of {self.backup.source_deployment} has no {noun} "
                f"{tables_words(missing)}; its tables are: {tables_words(self.tables) or 'none'}.",
                code="UnknownTable",
            )
        return [name for name in self.tables if name in chosen]

    async def stage(
        self,
        deployment: DeploymentRef,
        chosen: Collection[str],
        *,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> RestorePlan:
        """Write the chosen tables into a ZIP of their own and stage it in `replace` mode; nothing changes
        until the plan is confirmed."""
        chosen = self.check(chosen)
        assert self.zip_path is not None and self._folder is not None, "fetch first"
        subset = Path(self._folder.name) / f"tables-of-{self.zip_path.name}"
        await asyncio.to_thread(write_table_subset, self.zip_path, subset, chosen)
        when = self.backup.completed or self.backup.requested
        source = (
            f"tables {tables_words(chosen)} of backup {self.backup.id} of {self.backup.source_deployment} "
            f"({when:%Y-%m-%d %H:%M} UTC)"
        )
        plan = await self.target.prepare_file_import(
            subset, deployment, on_progress=on_progress, mode=REPLACE_MODE, source=source, backup_id=self.backup.id
        )
        return replace(plan, only_tables=tuple(chosen))

    def close(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
            self.zip_path = None


def _read_tables(path: Path) -> list[str]:
    with SnapshotReader(path) as reader:
        return table_labels(reader)
