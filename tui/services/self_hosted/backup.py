"""Making one self-hosted backup: a snapshot export on the deployment, followed to completion, downloaded
(verified, resumable) into the local store, the environment variables saved beside it, the manifest
written last, then the store pruned by its retention policy.

`BackupJob` runs that in a task and keeps the latest `Progress` for whoever follows it (a screen, the
`backup --wait` command, the schedule runner).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from datetime import datetime

from tui.api.deployment.client import DeploymentClient
from tui.api.deployment.models import Export
from tui.api.errors import ConvexApiError, ProtocolError
from tui.api.deployment.sync_client import SyncClient
from tui.services.downloads.errors import DiskFull, RetriesExhausted
from tui.services.downloads.downloader import Downloader, DownloadProgress
from tui.services.deployment.env_store import EnvStore
from tui.services.deployment.live_values import live_values
from tui.services.self_hosted.local_store import LocalStore, StoredBackup
from tui.services.deployment.export_progress import ExportProgress, read_table_sizes
from tui.services.progress import Estimator
from tui.services.protocol import BackupRecord, BackupState, Progress
from tui.services.sizes import human_rate, human_size

log = logging.getLogger("tui.services.self_hosted.target")
EXPORT_SHARE = 0.5  # of the progress bar: the export, then the download


class ExportFailed(ConvexApiError):
    """The deployment's snapshot export failed or was canceled."""


async def wait_for_export(
    client: DeploymentClient,
    export_id: str,
    *,
    use_sync: bool = True,
    on_progress: Callable[[str | None], None] | None = None,
) -> Export:
    """The export once completed; `ExportFailed` when it failed or was canceled."""
    subscribe = (
        (lambda: SyncClient(client.url, client.admin_key, name=client.name).watch_latest_export()) if use_sync else None
    )
    async with aclosing(live_values(client.latest_export, subscribe)) as values:
        async for export in values:
            if export is None:
                continue
            if export.id != export_id:  # only one export runs at a time: ours ended unseen, another began
                raise ExportFailed(
                    f"Another export started on {client.target} before ours was seen to finish; try again.",
                    code="ExportReplaced",
                )
            if on_progress is not None:
                on_progress(export.progress_message)
            if export.state == "completed":
                return export
            if export.is_terminal:
                raise ExportFailed(f"The snapshot export on {client.target} was {export.state}.", code="ExportFailed")
    raise ExportFailed("The export disappeared.", code="ExportFailed")  # pragma: no cover


async def make_backup(
    client: DeploymentClient,
    store: LocalStore,
    key: str,
    deployment: str,
    *,
    kind: str = "manual",
    include_storage: bool = False,
    downloader: Downloader | None = None,
    env_store: EnvStore | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    use_sync: bool = True,
    on_started: Callable[[str, datetime], None] | None = None,
) -> StoredBackup:
    """Take one backup into `store` under `key`; returns it once its manifest is written."""
    estimator = Estimator()

    def say(
        message: str,
        fraction: float | None = None,
        state: str = "inProgress",
        timed: bool = True,
        *,
        done: int | None = None,
        total: int | None = None,
        finished: bool = False,
    ) -> None:
        if on_progress is not None:
            eta = estimator.eta(fraction) if timed else None
            on_progress(
                Progress(
                    message,
                    fraction=fraction,
                    elapsed=estimator.elapsed,
                    eta=eta,
                    state=state,
                    done=done,
                    total=total,
                    finished=finished,
                )
            )

    with store.begin(key, deployment=deployment, kind=kind, include_storage=include_storage) as pending:
        say("Requesting a snapshot export", 0.0, "requested")
        tracker = ExportProgress(await read_table_sizes(client))  # Convex's words alone give no overall fraction
        await client.request_export(include_storage=include_storage)
        if on_started is not None:  # only once the deployment took the request: a refusal is the caller's error
            on_started(pending.id, pending.requested)
        export = await client.latest_export()  # only one export runs at a time: this one is ours
        if export is None:
            raise ProtocolError(f"{client.target} accepted the export but shows none.")

        def export_step(message: str | None) -> None:
            reading = tracker.read(message)
            if reading.overall:
                say(message or "Exporting", (reading.fraction or 0.0) * EXPORT_SHARE)
            else:  # only the current table's fraction: shown as such, with no time left
                say(message or "Exporting", reading.fraction, timed=False, done=reading.done, total=reading.total)

        export = await wait_for_export(client, export.id, use_sync=use_sync, on_progress=export_step)

        def download_step(p: DownloadProgress) -> None:
            share = p.fraction if p.fraction is not None else 0.0
            rate = f" at {human_rate(p.rate)}" if p.rate else ""
            words = {"verifying": "Checking the downloaded ZIP", "done": "Downloaded"}.get(p.phase, "Downloading")
            say(
                f"{words} {human_size(p.done)} of {human_size(p.total or 0)}{rate}",
                EXPORT_SHARE + share * (1 - EXPORT_SHARE) * 0.98,
                done=p.done,
                total=p.total,
            )

        try:
            downloaded = await (downloader or Downloader()).download(
                lambda offset: client.download_export(export.id, offset=offset),
                source=export.id,
                path=pending.zip_path,
                progress=download_step,
            )
        except (RetriesExhausted, DiskFull) as exc:
            raise _for_backup(exc, store) from None
        notes: list[str] = []
        env_snapshot = None
        try:
            values = dict(await client.list_env())
            pending.write_env(values)
            if env_store is not None:
                env_snapshot = env_store.save(deployment, values, reason=f"backup {pending.id}").id
        except (ConvexApiError, OSError) as exc:
            log.warning("could not save the environment variables of %s (%s)", deployment, type(exc).__name__)
            notes.append(f"The environment variables were not saved ({exc}).")
        stored = pending.commit(
            size=downloaded.size,
            sha256=downloaded.sha256,
            snapshot_ts=export.snapshot_ts,
            export_id=export.id,
            env_snapshot=env_snapshot,
            notes=notes,
            source_url=client.url,
            integrity=downloaded.integrity.to_dict(),
        )
    pruned = store.prune(key, keep=stored.id)
    if pruned:
        log.info("retention removed %d old backup(s) of %s", len(pruned), deployment)
    say(f"Backup {stored.id} complete ({human_size(stored.size)})", 1.0, "complete", finished=True)
    return stored


def _for_backup(error: RetriesExhausted | DiskFull, store: LocalStore) -> RetriesExhausted | DiskFull:
    """The download's error, told for a backup: an unfinished backup's folder is removed (a new backup is
    a new export, so there is nothing to resume), and there is no --to to download elsewhere."""
    if isinstance(error, DiskFull):
        return DiskFull(
            str(store.root),
            error.needed,
            advice="free some space there (or move the store with CONVEX_BACKUPS_HOME), then take the backup again",
        )
    last = f" ({error.last})" if error.last is not None else ""
    return RetriesExhausted(
        f"The download of the snapshot export kept failing{last}. The unfinished backup was "
        "removed: take the backup again once the connection is steady.",
        error.last,
    )


class BackupJob:
    """A backup running in a task, with its latest progress."""

    def __init__(self, deployment: str, kind: str, include_storage: bool, requested: datetime):
        self.id = ""
        self.deployment, self.kind, self.include_storage, self.requested = deployment, kind, include_storage, requested
        self.progress = Progress("Starting", state="requested")
        self.stored: StoredBackup | None = None
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None
        self.started = asyncio.Event()
        self._changed = asyncio.Event()

    def update(self, progress: Progress) -> None:
        self.progress = progress
        self._changed.set()

    def begin(self, backup_id: str, requested: datetime) -> None:
        self.id, self.requested = backup_id, requested
        self.started.set()

    @property
    def state(self) -> BackupState:
        if self.stored is not None:
            return "complete"
        if self.task is not None and self.task.done():
            return "canceled" if self.task.cancelled() else "failed"
        return "requested" if self.progress.state == "requested" else "inProgress"

    def record(self) -> BackupRecord:
        if self.stored is not None:
            return self.stored.record()
        notes = (str(self.error),) if isinstance(self.error, Exception) else ()
        return BackupRecord(
            id=self.id,
            deployment=self.deployment,
            state=self.state,
            requested=self.requested,
            completed=None,
            expires=None,
            include_storage=self.include_storage,
            size=None,
            source_deployment=self.deployment,
            kind=self.kind,  # type: ignore[arg-type]
            snapshot_id=None,
            notes=notes,
        )

    async def changes(self) -> AsyncIterator[Progress]:
        """The progress now, then after every change (at least once a second) until the job ends."""
        while True:
            self._changed.clear()
            if self.task is not None and self.task.done():
                yield self.final_progress()
                return
            yield self.progress
            try:  # `asyncio.timeout`, not `wait_for`, which on Python 3.11 can drop a cancel (api/deployment/sync_client.py)
                async with asyncio.timeout(1.0):
                    await self._changed.wait()
            except TimeoutError:
                pass

    def final_progress(self) -> Progress:
        state = self.state
        if state == "complete":
            return Progress(
                self.progress.message, fraction=1.0, elapsed=self.progress.elapsed, state="complete", finished=True
            )
        reason = str(self.error) if isinstance(self.error, Exception) else state
        return Progress(f"The backup {state}: {reason}", elapsed=self.progress.elapsed, state=state, finished=True)
