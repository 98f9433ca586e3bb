"""The safety copy taken before a restore or an import replaces a deployment's data (tui/commands/README.md
"Restoring").

- The default is a FRESH backup taken now: one from a few minutes ago lacks every write made since, and
  during an incident those writes are often what matters.
- It includes file storage whenever the data restored holds `_storage` or the target has stored files (or
  they cannot be counted); a backup without file storage never counts as the safety backup then.
- Reusing a recent backup (complete, younger than five minutes, with file storage when needed) is an
  explicit choice, described with its age and the warning that later writes are not in it.
- At the plan's backup limit (Starter: 2 per deployment) a fresh cloud backup would be refused, so it is
  never the recommendation then: the local safety snapshot (the deployment's own snapshot export,
  downloaded and verified into the local backup folder with the environment variables beside it) uses
  no slot; or the oldest backup is downloaded to that folder, verified, and deleted to free one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tui.api.errors import ConvexApiError
from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, PlanLimits, Progress
from tui.services.sizes import human_size

if TYPE_CHECKING:
    from tui.services.downloads.downloader import DownloadProgress, DownloadResult

SafetyMode = Literal["fresh", "recent", "local", "none"]
SAFETY_MODES: tuple[str, ...] = ("fresh", "recent", "local", "none")
RECENT = timedelta(minutes=5)  # the dashboard's rule: it suggests a backup when the newest is older


class SafetyBackupFailed(ConvexApiError):
    """The safety backup could not be taken or did not complete; nothing was restored."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def age_words(moment: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or utc_now()) - moment).total_seconds()))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''} ago"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} hours ago"
    return f"{round(seconds / 86400)} days ago"


def taken(backup: BackupRecord) -> datetime:
    return backup.completed or backup.requested


def reuse_words(backup: BackupRecord, now: datetime | None = None) -> str:
    """How a reused backup is described: its age, and what it lacks."""
    when = taken(backup)
    return (
        f"backup {backup.id}, taken {age_words(when, now)} ({when:%H:%M:%S} UTC); writes made since then are NOT in it"
    )


@dataclass(frozen=True)
class SafetyOptions:
    """What can serve as the safety copy of `deployment`, and which way is recommended."""

    deployment: DeploymentRef
    include_storage: bool
    storage_reason: str  # why file storage is needed ("" when it is not)
    recent: BackupRecord | None  # may be reused, on request
    recent_without_files: BackupRecord | None  # recent, but lacks the file storage this restore needs
    newest: BackupRecord | None  # the newest complete backup, whatever its age
    oldest: BackupRecord | None  # the oldest complete one but the backup restored (downloaded, deleted to free a slot)
    limits: PlanLimits | None  # None: the target's backups have no plan limit (self-hosted)

    @property
    def at_limit(self) -> bool:
        return self.limits is not None and self.limits.at_backup_limit

    @property
    def recommended(self) -> SafetyMode:
        return "local" if self.at_limit else "fresh"

    def limit_words(self) -> str:
        assert self.limits is not None
        return (
            f"{self.deployment.name} keeps {self.limits.backups_counted} backups, the most its plan allows "
            f"({self.limits.max_backups}), so a fresh cloud backup would be refused"
        )


async def safety_options(
    target: BackupTarget,
    deployment: DeploymentRef,
    *,
    source_has_storage: bool,
    restoring: str | None = None,
    now: datetime | None = None,
) -> SafetyOptions:
    """Look (changing nothing) at the deployment's backups, plan limit and stored files. `restoring`: the
    id of the backup being restored, never offered for deletion to free a slot."""
    now = now or utc_now()
    backups = await target.list_backups(deployment)
    if source_has_storage:
        include_storage, reason = True, "the data restored holds file storage"
    else:
        files = await target.stored_file_count(deployment)
        include_storage = files != 0
        reason = (
            ""
            if files == 0
            else f"{deployment.name} has {files:,} stored files"
            if files is not None
            else f"the stored files of {deployment.name} could not be counted"
        )
    complete = sorted((b for b in backups if b.state == "complete"), key=taken, reverse=True)
    young = [b for b in complete if now - taken(b) <= RECENT]
    recent = next((b for b in young if b.include_storage or not include_storage), None)
    without = next((b for b in young if not b.include_storage), None) if include_storage and recent is None else None
    limits = None
    if (await target.info()).kind != "selfHosted":  # self-hosted backups are local, pruned by the store's policy
        try:
            limits = await target.plan_limits(deployment)
        except ConvexApiError:
            limits = None  # unknown: a fresh backup is still offered, and checked again when requested
    deletable = [b for b in complete if b.id != restoring]
    return SafetyOptions(
        deployment,
        include_storage,
        reason,
        recent,
        without,
        complete[0] if complete else None,
        deletable[-1] if deletable else None,
        limits,
    )


async def take_fresh(
    target: BackupTarget,
    deployment: DeploymentRef,
    *,
    include_storage: bool,
    on_progress: Callable[[Progress], None] | None = None,
) -> BackupRecord:
    """A new backup followed to completion (the plan limit is checked before the request)."""
    started = await target.request_backup(deployment, include_storage=include_storage)
    last: Progress | None = None
    async for progress in target.follow_backup(deployment, started.id):
        last = progress
        if on_progress is not None:
            on_progress(progress)
    finished = await target.get_backup(deployment, started.id)
    if finished.state != "complete":
        reason = last.message if last else finished.state
        raise SafetyBackupFailed(
            f"The safety backup of {deployment.name} did not complete ({reason}); nothing was restored.",
            code="SafetyBackupFailed",
        )
    return finished


async def take_local(
    target: BackupTarget,
    deployment: DeploymentRef,
    *,
    include_storage: bool,
    on_progress: Callable[[Progress], None] | None = None,
) -> BackupRecord:
    """The local safety snapshot: no backup slot used."""
    try:
        return await target.safety_snapshot(deployment, include_storage=include_storage, on_progress=on_progress)
    except ConvexApiError as exc:
        raise SafetyBackupFailed(
            f"The local safety snapshot of {deployment.name} failed ({exc}); nothing was restored.",
            code="SafetyBackupFailed",
        ) from exc


async def free_slot_then_fresh(
    target: BackupTarget,
    deployment: DeploymentRef,
    oldest: BackupRecord,
    *,
    include_storage: bool,
    on_progress: Callable[[Progress], None] | None = None,
) -> tuple[DownloadResult, BackupRecord]:
    """Free a slot (`free_slot`), then take the fresh backup in it."""
    saved = await free_slot(target, deployment, oldest, on_progress=on_progress)
    return saved, await take_fresh(target, deployment, include_storage=include_storage, on_progress=on_progress)


async def free_slot(
    target: BackupTarget,
    deployment: DeploymentRef,
    oldest: BackupRecord,
    *,
    on_progress: Callable[[Progress], None] | None = None,
) -> DownloadResult:
    """Download the oldest backup (verified) into the local backup folder, and delete it from Convex only
    once it is safe on disk."""
    folder: Path = target.local_backup_folder(deployment)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def downloading(p: DownloadProgress) -> None:
        if on_progress is not None:
            on_progress(
                Progress(
                    f"Downloading backup {oldest.id} before deleting it: {human_size(p.done)}",
                    fraction=p.fraction,
                    state="downloading",
                )
            )

    saved = await target.download_backup(deployment, oldest.id, folder=folder, progress=downloading, full_verify=True)
    await target.delete_backup(deployment, oldest.id)
    return saved
