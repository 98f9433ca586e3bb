"""The daily/weekly backup schedule of deployments backed up into this app's store, and running it.

A schedule is kept in the store (`<deployment>/schedule.json`) as UTC hour, minute and, for weekly ones,
the weekday (0 = Sunday), like Convex's periodic backups. A *slot* is one scheduled time. A schedule is
due when its latest slot is at or before now, after the schedule was set, and not yet done; slots missed
while nothing ran (the machine was off) are made up by ONE backup, not one per slot. A failed run is tried
again at the next run, but not more often than every `RETRY_AFTER`.

`run_due` is what `convex-backups run-schedules` (cron, systemd timers) and the open app both call: it
takes an exclusive lock file in the store, so two runs never overlap (a second one returns at once with
`locked`), runs what is due, once, and records the outcome.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import ConvexApiError
from tui.services.self_hosted.local_store import LocalStore, RetentionPolicy
from tui.services.protocol import DeploymentRef, Schedule

log = logging.getLogger("tui.services.schedules")
LOCK_NAME = ".run-schedules.lock"
RETRY_AFTER = timedelta(minutes=15)


# -- the schedule in the store ------------------------------------------------------------------------------
def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(timezone.utc) if text else None


def latest_slot(body: dict[str, Any], now: datetime) -> datetime:
    """The most recent scheduled time at or before `now`."""
    slot = now.replace(hour=int(body["utc_hour"]), minute=int(body["utc_minute"]), second=0, microsecond=0)
    weekday = body.get("weekday")
    if weekday is None:
        return slot if slot <= now else slot - timedelta(days=1)
    back = ((now.weekday() + 1) % 7 - int(weekday)) % 7  # cron weekdays: 0 = Sunday
    slot -= timedelta(days=back)
    return slot if slot <= now else slot - timedelta(days=7)


def next_slot(body: dict[str, Any], now: datetime) -> datetime:
    step = timedelta(days=1 if body.get("weekday") is None else 7)
    return latest_slot(body, now) + step


def due_slot(body: dict[str, Any], now: datetime) -> datetime | None:
    """The slot to run now, or None."""
    slot = latest_slot(body, now)
    created, done = _time(body.get("created")), _time(body.get("last_slot"))
    if created is not None and slot < created:
        return None
    if done is not None and slot <= done:
        return None
    failure = body.get("last_failure") or {}
    failed_at = _time(failure.get("at"))
    if failed_at is not None and _time(failure.get("slot")) == slot and now - failed_at < RETRY_AFTER:
        return None
    return slot


def to_schedule(body: dict[str, Any], policy: RetentionPolicy, now: datetime) -> Schedule:
    frequency = body["frequency"]
    return Schedule(
        frequency=frequency,
        utc_hour=int(body["utc_hour"]),
        utc_minute=int(body["utc_minute"]),
        weekday=body.get("weekday"),
        include_storage=bool(body.get("include_storage")),
        next_run=next_slot(body, now),
        retention=policy.keep_for(frequency),
    )


def read(store: LocalStore, key: str) -> Schedule | None:
    body = store.read_schedule(key)
    if body is None:
        return None
    return to_schedule(body, store.policy(key), store.clock())


def write(store: LocalStore, key: str, schedule: Schedule, deployment: DeploymentRef) -> Schedule:
    """Save (or replace) the schedule; its retention, when given, becomes the policy for its kind."""
    if schedule.frequency not in ("daily", "weekly") or (schedule.frequency == "weekly") != (
        schedule.weekday is not None
    ):
        raise ValueError("a daily schedule has no weekday; a weekly one needs one")
    now = store.clock()
    body = {
        "frequency": schedule.frequency,
        "utc_hour": schedule.utc_hour,
        "utc_minute": schedule.utc_minute,
        "weekday": schedule.weekday,
        "include_storage": schedule.include_storage,
        "created": now.isoformat(),
        "deployment": deployment.name,
        "url": deployment.url,
    }
    previous = store.read_schedule(key) or {}
    if previous.get("last_slot"):
        body["last_slot"] = previous["last_slot"]
    store.write_schedule(key, body)
    if schedule.retention is not None:
        policy = store.policy(key)
        days = schedule.retention.total_seconds() / 86400
        if schedule.frequency == "daily":
            policy = dataclasses.replace(policy, daily_days=days)
        else:
            policy = dataclasses.replace(policy, weekly_days=days)
        store.set_policy(key, policy)
    return to_schedule(body, store.policy(key), now)


# -- running ------------------------------------------------------------------------------------------------
class ScheduledTarget(Protocol):
    """What the runner needs of a target (a `SelfHostedTarget` has it)."""

    store: LocalStore
    client: DeploymentClient

    async def deployment(self) -> DeploymentRef: ...

    async def aclose(self) -> None: ...

    def key(self, deployment: DeploymentRef) -> str: ...

    async def run_backup(
        self, deployment: DeploymentRef, *, kind: str = ..., include_storage: bool = ..., on_progress: Any = ...
    ) -> Any: ...


@dataclass
class RunReport:
    locked: bool = False  # another run held the lock: nothing was done
    ran: list[dict[str, Any]] = field(default_factory=list)  # {deployment, slot, backup, size} per backup made
    failed: list[dict[str, Any]] = field(default_factory=list)  # {deployment, slot, error}
    not_due: list[dict[str, Any]] = field(default_factory=list)  # {deployment, next_run}

    @property
    def ok(self) -> bool:
        return not self.failed


class RunLock:
    """An exclusive, non-blocking lock file in the store: released when the process ends, however it ends."""

    def __init__(self, store: LocalStore):
        self.path = store.root / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


async def run_due(
    targets: Sequence[ScheduledTarget], store: LocalStore, *, on_progress: Callable[[str, Any], None] | None = None
) -> RunReport:
    """Run every due schedule of `targets` once. Never raises for a failed backup (see `RunReport`)."""
    report = RunReport()
    lock = RunLock(store)
    if not await asyncio.to_thread(lock.acquire):
        report.locked = True
        return report
    try:
        for target in targets:
            await _run_one(target, store, report, on_progress)
    finally:
        lock.release()
    return report


async def _run_one(
    target: ScheduledTarget, store: LocalStore, report: RunReport, on_progress: Callable[[str, Any], None] | None
) -> None:
    try:
        deployment = await target.deployment()
    except ConvexApiError as exc:
        report.failed.append({"deployment": None, "slot": None, "error": str(exc)})
        return
    key = target.key(deployment)
    body = store.read_schedule(key)
    if body is None:
        return
    now = store.clock()
    slot = due_slot(body, now)
    if slot is None:
        report.not_due.append({"deployment": deployment.name, "next_run": next_slot(body, now).isoformat()})
        return
    kind = body["frequency"]
    log.info("running the %s backup of %s due at %s", kind, deployment.name, slot.isoformat())
    try:
        stored = await target.run_backup(
            deployment,
            kind=kind,
            include_storage=bool(body.get("include_storage")),
            on_progress=(lambda p: on_progress(deployment.name, p)) if on_progress else None,
        )
    except (ConvexApiError, OSError) as exc:
        body = {
            **(store.read_schedule(key) or body),
            "last_failure": {"slot": slot.isoformat(), "at": store.clock().isoformat(), "error": str(exc)},
        }
        store.write_schedule(key, body)
        report.failed.append({"deployment": deployment.name, "slot": slot.isoformat(), "error": str(exc)})
        return
    body = {**(store.read_schedule(key) or body), "last_slot": slot.isoformat(), "last_backup": stored.id}
    body.pop("last_failure", None)
    store.write_schedule(key, body)
    report.ran.append(
        {"deployment": deployment.name, "slot": slot.isoformat(), "backup": stored.id, "size": stored.size}
    )
