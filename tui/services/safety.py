"""The safety backup before a restore (the dashboard's rule, made firmer): unless the target has a
complete backup younger than five minutes, take one and wait for it to complete before anything is
restored over the target's data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tui.api.errors import ConvexApiError
from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, Progress

FRESH_ENOUGH = timedelta(minutes=5)


class SafetyBackupFailed(ConvexApiError):
    """The safety backup could not be taken or did not complete; nothing was restored."""


@dataclass(frozen=True)
class SafetyBackup:
    backup: BackupRecord
    reused: bool  # an existing backup younger than FRESH_ENOUGH


def recent_backup(backups: list[BackupRecord], now: datetime | None = None) -> BackupRecord | None:
    now = now or datetime.now(timezone.utc)
    fresh = [b for b in backups if b.state == "complete" and now - (b.completed or b.requested) <= FRESH_ENOUGH]
    return max(fresh, key=lambda b: b.completed or b.requested, default=None)


async def ensure_safety_backup(
    target: BackupTarget, deployment: DeploymentRef, *, include_storage: bool = True,
    on_progress: Callable[[Progress], None] | None = None,
) -> SafetyBackup:
    """A complete backup of `deployment` taken within the last five minutes: an existing one, or a new one
    followed to completion. Raises `SafetyBackupFailed` (or the plan-limit refusal) when there is none."""
    existing = recent_backup(await target.list_backups(deployment))
    if existing is not None:
        return SafetyBackup(existing, reused=True)
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
    return SafetyBackup(finished, reused=False)
