"""What each backup held, table by table, kept so that trouble shows before anyone reports it (tui/commands/README.md
"Noticing trouble early"): per-table document counts and the ZIP's size of every backup the app sees, the
deployment's trend over its backups, and a DROP flag on a backup whose table lost more than a chosen
share of its documents since the backup before it (often the first visible sign of a bad migration or a
runaway delete).

Where the counts come from, so nothing already known is downloaded again:
- a ZIP the app has in hand: this app's own store (self-hosted backups, read where they lie), a backup
  downloaded for a tables-only restore, or one downloaded once for its counts (`learn_missing`);
- the restore review: the deployment's change summary of a staged restore lists every table of the
  backup with the documents it will write (`record_plan`).

They are kept in `<data folder>/backup-stats/<deployment>.json`, keyed by backup id: a completed
backup never changes, so each is counted once."""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, RestorePlan
from tui.services.json_file import write_json_atomically
from tui.services.sizes import human_size

if TYPE_CHECKING:
    from tui.services.config.settings import Homes

log = logging.getLogger("tui.services.snapshots.stats")
DEFAULT_DROP_SHARE = 0.20  # a table losing more than this share of its documents is flagged
DEFAULT_COUNT_DOWNLOAD_LIMIT = 500 * 1000 * 1000  # bytes: larger backups are counted only when downloaded anyway
FOLDER = "backup-stats"


@dataclass(frozen=True)
class BackupStats:
    backup_id: str
    taken: datetime  # when the backup was requested (its snapshot time, near enough for a trend)
    size: int | None  # bytes of the ZIP when known
    tables: Mapping[str, int]  # documents per table (`component/table` in a component); no `_storage`
    learned_from: str  # "zip" (counted in the ZIP) or "restore review" (the deployment's change summary)

    @property
    def documents(self) -> int:
        return sum(self.tables.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "taken": self.taken.isoformat(),
            "size": self.size,
            "tables": dict(self.tables),
            "learned_from": self.learned_from,
        }

    @classmethod
    def from_json(cls, backup_id: str, body: Mapping[str, Any]) -> BackupStats:
        return cls(
            backup_id,
            datetime.fromisoformat(body["taken"]),
            body.get("size"),
            {str(k): int(v) for k, v in body["tables"].items()},
            str(body.get("learned_from", "zip")),
        )


@dataclass(frozen=True)
class TableDrop:
    table: str
    before: int
    after: int

    @property
    def share(self) -> float:
        return (self.before - self.after) / self.before

    def words(self) -> str:
        """`DROP customers -40%`: the flag in words, never colour alone."""
        return f"DROP {self.table} -{self.share * 100:.0f}%"


@dataclass(frozen=True)
class Trend:
    """The deployment's complete backups with known counts, oldest first, and the drops found."""

    points: tuple[BackupStats, ...] = ()
    drops: Mapping[str, tuple[TableDrop, ...]] = field(default_factory=dict)  # backup id -> its drops

    @property
    def sizes(self) -> list[float]:
        return [float(p.size or 0) for p in self.points]

    @property
    def documents(self) -> list[float]:
        return [float(p.documents) for p in self.points]

    def flag(self, backup_id: str) -> str:
        """ "DROP a -40%, DROP b -25%" for a flagged backup, "" otherwise."""
        return ", ".join(drop.words() for drop in self.drops.get(backup_id, ()))


def trend(
    backups: Iterable[BackupRecord], known: Mapping[str, BackupStats], drop_share: float = DEFAULT_DROP_SHARE
) -> Trend:
    """Compare each complete backup whose counts are known with the one before it (by time)."""
    points = sorted(
        (known[b.id] for b in backups if b.state == "complete" and b.id in known), key=lambda s: (s.taken, s.backup_id)
    )
    drops: dict[str, tuple[TableDrop, ...]] = {}
    for previous, current in zip(points, points[1:]):
        found = tuple(
            TableDrop(table, before, current.tables.get(table, 0))
            for table, before in sorted(previous.tables.items())
            if before > 0 and (before - current.tables.get(table, 0)) / before > drop_share
        )
        if found:
            drops[current.backup_id] = found
    return Trend(tuple(points), drops)


class StatsCache:
    """One small JSON file per deployment in the data folder; a file that cannot be read is started afresh
    (the counts are learned again), one that cannot be written is only logged: a trend must never stop
    a listing or a restore."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> StatsCache:
        return cls(Path(data_dir) / FOLDER)

    @classmethod
    def for_homes_or_target(cls, homes: Homes | None, target: BackupTarget) -> StatsCache | None:
        """In the session's data folder (the TUI's and the commands' `Session.homes`), else beside the
        target's backup store; None when neither is known."""
        return cls.for_data_dir(homes.data_dir) if homes is not None else cls.for_target(target)

    @classmethod
    def for_target(cls, target: BackupTarget) -> StatsCache | None:
        """Beside the target's local backup store (`<data folder>/backups`); None when it has none."""
        store = target.store
        return cls(Path(store.root).parent / FOLDER) if store is not None else None

    def _path(self, deployment: DeploymentRef | str) -> Path:
        from tui.services.self_hosted.local_store import LocalStore

        if isinstance(deployment, str):
            key = LocalStore.key_for(deployment, None)
        else:
            # cloud names are unique; self-hosted backends often share `convex-self-hosted`, so their host counts
            key = LocalStore.key_for(deployment.name, deployment.url if deployment.id is None else None)
        return self.folder / f"{key}.json"

    def load(self, deployment: DeploymentRef | str) -> dict[str, BackupStats]:
        try:
            body = json.loads(self._path(deployment).read_text("utf-8"))
            return {backup_id: BackupStats.from_json(backup_id, entry) for backup_id, entry in body.items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable backup counts %s (%s)", self._path(deployment), type(exc).__name__)
            return {}

    def put(self, deployment: DeploymentRef | str, stats: BackupStats) -> None:
        known = self.load(deployment)
        known[stats.backup_id] = stats
        path = self._path(deployment)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomically(path, {k: v.to_json() for k, v in sorted(known.items())}, indent=1)
        except OSError as exc:
            log.warning("could not save backup counts in %s (%s)", path, exc.strerror or type(exc).__name__)


def counts_in_zip(path: Path) -> dict[str, int]:
    """Documents per table of a snapshot ZIP (line counts; nothing decoded). Blocking."""
    from tui.archive.inspect import inspect_archive

    summary = inspect_archive(path, samples=0)
    return {(f"{t.component_path}/{t.name}" if t.component_path else t.name): t.documents for t in summary.tables}


def stats_from_zip(backup: BackupRecord, path: Path) -> BackupStats:
    return BackupStats(
        backup.id, backup.requested, backup.size or Path(path).stat().st_size, counts_in_zip(Path(path)), "zip"
    )


def stats_from_plan(backup: BackupRecord, plan: RestorePlan) -> BackupStats | None:
    """From the restore review of a whole backup: each table's documents to write are the backup's
    documents (`_storage` counts files, not documents, and is left out). None for a tables-only plan."""
    if plan.only_tables:
        return None
    tables = {c.table: c.rows_to_write for c in plan.changes if c.table.rsplit("/", 1)[-1] != "_storage"}
    return BackupStats(backup.id, backup.requested, backup.size, tables, "restore review")


def record_plan(
    cache: StatsCache | None, source: DeploymentRef | None, backup: BackupRecord | None, plan: RestorePlan
) -> None:
    """Keep the counts a restore review showed for `backup` of deployment `source`, unless known."""
    if cache is None or source is None or backup is None:
        return
    stats = stats_from_plan(backup, plan)
    if stats is not None and backup.id not in cache.load(source):
        cache.put(source, stats)


def record_summary(
    cache: StatsCache | None, source: DeploymentRef, backup: BackupRecord, summary: Mapping[str, Any]
) -> None:
    """Keep the counts an inspection of the backup's ZIP found (`tui.services.snapshots.inspect.inspect_file`'s dict)."""
    if cache is None or backup.id in cache.load(source):
        return
    tables = {
        (f"{t['component']}/{t['name']}" if t["component"] else t["name"]): int(t["documents"])
        for t in summary["tables"]
    }
    cache.put(source, BackupStats(backup.id, backup.requested, backup.size or summary.get("zipBytes"), tables, "zip"))


def record_zip(cache: StatsCache | None, source: DeploymentRef, backup: BackupRecord, path: Path) -> None:
    """Keep the counts of a backup's ZIP the app has in hand, unless known. Blocking."""
    if cache is not None and backup.id not in cache.load(source):
        cache.put(source, stats_from_zip(backup, path))


async def learn_missing(
    target: BackupTarget,
    deployment: DeploymentRef,
    backups: Iterable[BackupRecord],
    cache: StatsCache,
    *,
    limit_bytes: int = DEFAULT_COUNT_DOWNLOAD_LIMIT,
    note: Callable[[str], None] | None = None,
) -> dict[str, BackupStats]:
    """The counts of every complete backup of `deployment`, learning the missing ones: from this app's own
    store where the ZIP lies on disk, else by downloading it once (verified, into a temporary folder,
    deleted at once) when it is no larger than `limit_bytes`. A backup that cannot be counted is left
    out; the others are still returned."""
    known = cache.load(deployment)
    for backup in backups:
        if backup.state != "complete" or backup.id in known or backup.source_deployment != deployment.name:
            continue
        try:
            stats = await _count(target, deployment, backup, limit_bytes, note)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - one backup that cannot be read must not hide the others
            log.info("could not count backup %s of %s (%s)", backup.id, deployment.name, type(exc).__name__)
            continue
        if stats is not None:
            known[backup.id] = stats
            cache.put(deployment, stats)
    return known


async def _count(
    target: BackupTarget,
    deployment: DeploymentRef,
    backup: BackupRecord,
    limit_bytes: int,
    note: Callable[[str], None] | None,
) -> BackupStats | None:
    stored = await target.stored_zip(deployment, backup.id)
    if stored is not None:  # self-hosted: the ZIP is in this app's store already
        return await asyncio.to_thread(stats_from_zip, backup, stored)
    if backup.size is None or backup.size > limit_bytes:
        return None
    if note is not None:
        note(
            f"Counting the documents of backup {backup.id} of {deployment.name}: downloading it once "
            f"({human_size(backup.size or 0)}, verified, deleted at once; --no-counts skips this)..."
        )
    with tempfile.TemporaryDirectory(prefix="convex-backups-counts-") as folder:
        result = await target.download_backup(deployment, backup.id, folder=Path(folder))
        return await asyncio.to_thread(stats_from_zip, backup, result.path)
