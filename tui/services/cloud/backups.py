"""Cloud backups as `BackupRecord`s, and following one to its end: the backup's state from big brain,
its progress words from the source deployment's `_exports` row (live over the sync WebSocket when it
can, else polled), measured against the deployment's table sizes (`export_progress`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from tui.api.errors import ConvexApiError
from tui.api.platform.models import CloudBackup, PeriodicBackupConfig
from tui.services.deployment.export_progress import ExportProgress, read_table_sizes
from tui.services.progress import Estimator, PollInterval
from tui.services.protocol import BackupKind, BackupRecord, Progress

if TYPE_CHECKING:  # following a backup needs these; listing (the app's start) does not load them
    from tui.api.deployment.client import DeploymentClient
    from tui.api.deployment.models import Export
    from tui.services.cloud.directory import CloudDirectory

DAY = timedelta(days=1)
SCHEDULE_SLACK = timedelta(minutes=15)  # a periodic backup is requested within this of its scheduled time


def _time(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, timezone.utc) if ms else None


def classify(backup: CloudBackup, schedule: PeriodicBackupConfig | None, started_here: bool) -> BackupKind:
    """Convex does not say whether a backup was manual or periodic: a backup this app started is manual;
    one requested at the schedule's time (and weekday) is daily or weekly; one kept 14 days is weekly."""
    if started_here:
        return "manual"
    requested = _time(backup.requested_time_ms)
    when = schedule.utc_minute_hour_weekday if schedule else None
    if requested is not None and when is not None:
        minute, hour, weekday = when
        slot = requested.replace(hour=hour, minute=minute, second=0, microsecond=0)
        near = any(timedelta(0) <= requested - s <= SCHEDULE_SLACK for s in (slot, slot - DAY))
        on_day = (
            weekday is None
            or (requested.weekday() + 1) % 7 == weekday
            or ((requested - SCHEDULE_SLACK).weekday() + 1) % 7 == weekday
        )
        if near and on_day:
            return "daily" if weekday is None else "weekly"
    if backup.expiration_time_ms and backup.requested_time_ms:
        kept = timedelta(milliseconds=backup.expiration_time_ms - backup.requested_time_ms)
        if abs(kept - 14 * DAY) < timedelta(hours=1):
            return "weekly"
    return "manual"


def record(
    backup: CloudBackup,
    deployment: str,
    *,
    kind: BackupKind = "manual",
    env_snapshot: str | None = None,
    size: int | None = None,
    notes: tuple[str, ...] = (),
) -> BackupRecord:
    return BackupRecord(
        id=str(backup.id),
        deployment=deployment,
        state=backup.state,  # type: ignore[arg-type]
        requested=_time(backup.requested_time_ms) or datetime.fromtimestamp(0, timezone.utc),
        completed=_time(backup.completed_time_ms),
        expires=_time(backup.expiration_time_ms),
        include_storage=backup.include_storage,
        size=size,
        source_deployment=backup.source_deployment_name,
        kind=kind,
        snapshot_id=backup.snapshot_id,
        env_snapshot=env_snapshot,
        notes=notes,
    )


async def fill_sizes(directory: CloudDirectory, backups: list[CloudBackup], sizes: dict[str, int]) -> None:
    """Put the ZIP size of every complete backup not yet in `sizes` (snapshot id -> bytes) into it. Convex's
    backup objects carry no size; the source deployment's export does (its download's Content-Length), and
    a completed export never changes, so each is asked once. A size that cannot be read is left out."""
    wanted: dict[str, list[str]] = {}
    for backup in backups:
        if backup.state == "complete" and backup.snapshot_id and backup.snapshot_id not in sizes:
            wanted.setdefault(backup.source_deployment_name, []).append(backup.snapshot_id)

    async def of_deployment(name: str, ids: list[str]) -> None:
        async def ask(client: DeploymentClient) -> list[int | None | BaseException]:
            return await asyncio.gather(*(client.export_size(i) for i in ids), return_exceptions=True)

        try:
            answers = await directory.on_deployment(name, ask)
        except ConvexApiError:
            return
        sizes.update((i, size) for i, size in zip(ids, answers) if isinstance(size, int))

    await asyncio.gather(*(of_deployment(name, ids) for name, ids in wanted.items()))


# The dashboard's pace (tui/screens/README.md "How often the app asks Convex"): big brain is asked about a running
# backup at most once a second, backing off to the dashboard's 5 s while nothing changes; the deployment's own
# progress comes over its WebSocket in between.
FASTEST_POLL_S = 1.0
IDLE_BACKUP_POLL_S = 5.0


def _backup_progress(
    backup: CloudBackup, export: Export | None, estimator: Estimator, tracker: ExportProgress
) -> Progress:
    state = backup.state
    ours = export is not None and backup.snapshot_id is not None and export.id == backup.snapshot_id
    if state == "complete":
        return Progress(
            "Backup complete.", fraction=1.0, elapsed=estimator.elapsed, eta=0.0, state=state, finished=True
        )
    if state in ("failed", "canceled"):
        return Progress(
            f"The backup {'failed' if state == 'failed' else 'was canceled'}.",
            elapsed=estimator.elapsed,
            state=state,
            finished=True,
        )
    if state == "requested" or export is None or not ours:
        return Progress(
            "Waiting for the deployment to start the backup (it runs one export at a time).",
            elapsed=estimator.elapsed,
            state=state,
        )
    if export.state == "completed":
        return Progress("Backup written; finishing.", fraction=1.0, elapsed=estimator.elapsed, eta=0.0, state=state)
    message = export.progress_message or "Backing up"
    reading = tracker.read(message)
    eta = estimator.eta(reading.fraction) if reading.overall else None  # a table's own fraction: no time left
    return Progress(
        message,
        done=reading.done,
        total=reading.total,
        fraction=reading.fraction,
        elapsed=estimator.elapsed,
        eta=eta,
        state=state,
    )


class _Latest:
    """The newest value of an async iterator, pumped by a background task (so waiting for it with a
    timeout never cancels the iterator itself)."""

    def __init__(self, values: AsyncGenerator[Export | None, None] | None):
        self.value: Export | None = None
        self.changed = asyncio.Event()
        self._task = asyncio.create_task(self._pump(values)) if values is not None else None

    async def _pump(self, values: AsyncGenerator[Export | None, None]) -> None:
        try:
            async with aclosing(values):
                async for value in values:
                    self.value = value
                    self.changed.set()
        except ConvexApiError:
            pass  # live progress is a nicety: big brain's state still ends the wait

    async def wait(self, timeout: float) -> None:
        try:  # `asyncio.timeout`, not `wait_for`, which on Python 3.11 can drop a cancel (api/deployment/sync_client.py)
            async with asyncio.timeout(timeout):
                await self.changed.wait()
        except TimeoutError:
            pass
        self.changed.clear()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass


async def follow(
    directory: CloudDirectory, backup_id: int, *, use_sync: bool = True, interval: PollInterval | None = None
) -> AsyncIterator[Progress]:
    """Progress until the backup is complete, failed or canceled (the last value has `finished`)."""
    platform = directory.platform
    from tui.api.deployment.sync_client import SyncClient
    from tui.services.deployment.live_values import live_values

    estimator = Estimator()
    backup = await platform.get_cloud_backup(backup_id)
    export_values: AsyncGenerator[Export | None, None] | None = None
    try:
        client = await directory.client(backup.source_deployment_name)
        subscribe = (
            (lambda: SyncClient(client.url, client.admin_key, name=client.name).watch_latest_cloud_export())
            if use_sync
            else None
        )
        export_values = live_values(client.latest_cloud_export, subscribe, tick=5.0)
        tracker = ExportProgress(await read_table_sizes(client))
    except ConvexApiError:
        export_values = None  # no access to the source deployment: big brain's state only
        tracker = ExportProgress(None)
    interval = interval or PollInterval(fast=FASTEST_POLL_S, slow=IDLE_BACKUP_POLL_S, current=FASTEST_POLL_S)
    latest = _Latest(export_values)
    polled = time.monotonic()
    try:
        while True:
            progress = _backup_progress(backup, latest.value, estimator, tracker)
            yield progress
            if progress.finished:
                return
            await latest.wait(min(interval.current, 1.0))  # at least a value a second, for elapsed times
            export = latest.value
            finishing = export is not None and export.id == backup.snapshot_id and export.is_terminal
            # A finished export is checked with big brain at once, but never more than once a second.
            if time.monotonic() - polled < (min(interval.current, FASTEST_POLL_S) if finishing else interval.current):
                continue
            fresh = await platform.get_cloud_backup(backup_id)
            polled = time.monotonic()
            if fresh.state != backup.state or finishing or backup.state == "requested":
                interval.changed()
            else:
                interval.unchanged()
            backup = fresh
    finally:
        await latest.aclose()
