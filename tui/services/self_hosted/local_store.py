"""This app's own backup store, for deployments without Convex's cloud backups (self-hosted Convex).

    <data>/backups/<deployment key>/
        policy.json                       retention (days per kind) and the most backups kept
        schedule.json                     the daily/weekly schedule (see schedules_runner)
        <backup id>/
            snapshot.zip (+ .sha256)      the snapshot export, verified when it was downloaded
            env.json                      the deployment's environment variables then (mode 0600)
            manifest.json                 written LAST, by an atomic rename

A backup exists only once its manifest does: a folder without one is a backup being written (its
`.writing` file is locked) or an interrupted one, which listings ignore and `clean_incomplete` removes.
Deleting removes the manifest first, so a half-deleted backup never looks complete either.

Retention follows Convex: manual and daily backups are kept 7 days, weekly ones 14 (each backup's expiry
is fixed when it is made); a policy can change the days and cap the number kept per deployment. The
clock is injectable so tests can move time.
"""

from __future__ import annotations

import builtins  # `LocalStore.list` shadows the built-in inside the class
import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tui.api.errors import NotFound
from tui.services.downloads.part_file import fsync_folder
from tui.services.json_file import read_json, write_json_atomically
from tui.services.protocol import BackupRecord

MANIFEST, ZIP_NAME, ENV_NAME, LOCK_NAME = "manifest.json", "snapshot.zip", "env.json", ".writing"
POLICY_NAME, SCHEDULE_NAME = "policy.json", "schedule.json"
FORMAT = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class RetentionPolicy:
    manual_days: float = 7.0
    daily_days: float = 7.0
    weekly_days: float = 14.0
    max_backups: int | None = None  # per deployment; the oldest go first

    def keep_for(self, kind: str) -> timedelta:
        days = {"manual": self.manual_days, "daily": self.daily_days, "weekly": self.weekly_days}.get(kind)
        return timedelta(days=self.manual_days if days is None else days)

    def describe(self) -> str:
        cap = f", at most {self.max_backups} per deployment" if self.max_backups else ""
        return (
            f"Backups are kept in this app's store: manual {self.manual_days:g} days, daily {self.daily_days:g} "
            f"days, weekly {self.weekly_days:g} days{cap}."
        )


@dataclass(frozen=True)
class StoredBackup:
    id: str
    deployment: str  # the deployment's name
    kind: str  # manual | daily | weekly
    include_storage: bool
    requested: datetime
    completed: datetime
    expires: datetime
    size: int
    sha256: str
    folder: Path
    snapshot_ts: int | None = None
    export_id: str | None = None
    env_saved: bool = False
    env_snapshot: str | None = None  # the EnvStore id of the same values, when saved there too
    notes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def zip_path(self) -> Path:
        return self.folder / ZIP_NAME

    @property
    def env_path(self) -> Path:
        return self.folder / ENV_NAME

    def record(self) -> BackupRecord:
        return BackupRecord(
            id=self.id,
            deployment=self.deployment,
            state="complete",
            requested=self.requested,
            completed=self.completed,
            expires=self.expires,
            include_storage=self.include_storage,
            size=self.size,
            source_deployment=self.deployment,
            kind=self.kind,  # type: ignore[arg-type]
            snapshot_id=str(self.snapshot_ts) if self.snapshot_ts else self.export_id,
            env_snapshot=self.env_snapshot,
            notes=self.notes,
        )

    def safety_record(self) -> BackupRecord:
        """Its record as the answer to `BackupTarget.safety_snapshot`: the notes say first where it is."""
        record = self.record()
        where = f"Saved in {self.folder}: the snapshot export, verified, and its environment variables."
        return replace(record, notes=(where, *record.notes))

    @classmethod
    def from_manifest(cls, folder: Path, body: Mapping[str, Any]) -> StoredBackup:
        return cls(
            id=str(body["id"]),
            deployment=str(body["deployment"]),
            kind=str(body.get("kind", "manual")),
            include_storage=bool(body.get("include_storage")),
            requested=_time(body["requested"]),
            completed=_time(body["completed"]),
            expires=_time(body["expires"]),
            size=int(body["size"]),
            sha256=str(body["sha256"]),
            folder=folder,
            snapshot_ts=body.get("snapshot_ts"),
            export_id=body.get("export_id"),
            env_saved=bool(body.get("env_saved")),
            env_snapshot=body.get("env_snapshot"),
            notes=tuple(body.get("notes", ())),
            extra=dict(body),
        )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


class PendingBackup:
    """A backup being written. `zip_path` is where the ZIP goes; `commit` writes the manifest (last);
    leaving the `with` block without committing removes the folder."""

    def __init__(
        self,
        store: LocalStore,
        key: str,
        backup_id: str,
        kind: str,
        include_storage: bool,
        deployment: str,
        requested: datetime,
    ):
        self.store, self.key, self.id = store, key, backup_id
        self.kind, self.include_storage, self.deployment, self.requested = kind, include_storage, deployment, requested
        self.folder = store.folder(key) / backup_id
        self.folder.mkdir(parents=True, mode=0o700)
        self._lock = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.committed: StoredBackup | None = None
        self.env_saved = False

    @property
    def zip_path(self) -> Path:
        return self.folder / ZIP_NAME

    def write_env(self, values: Mapping[str, str]) -> None:
        write_json_atomically(self.folder / ENV_NAME, {"deployment": self.deployment, "values": dict(values)})
        self.env_saved = True

    def commit(self, *, size: int, sha256: str, **facts: Any) -> StoredBackup:
        completed = self.store.clock()
        expires = completed + self.store.policy(self.key).keep_for(self.kind)
        body = {
            "format": FORMAT,
            "id": self.id,
            "deployment": self.deployment,
            "kind": self.kind,
            "include_storage": self.include_storage,
            "requested": self.requested.isoformat(),
            "completed": completed.isoformat(),
            "expires": expires.isoformat(),
            "size": size,
            "sha256": sha256,
            "zip": ZIP_NAME,
            "env_saved": self.env_saved,
            **facts,
        }
        write_json_atomically(self.folder / MANIFEST, body)
        self.committed = StoredBackup.from_manifest(self.folder, body)
        self._release()
        (self.folder / LOCK_NAME).unlink(missing_ok=True)
        return self.committed

    def abort(self) -> None:
        self._release()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _release(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def __enter__(self) -> PendingBackup:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.committed is None:
            self.abort()


class LocalStore:
    def __init__(self, root: Path, *, clock: Clock = utc_now):
        self.root = Path(root)
        self.clock = clock

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    @staticmethod
    def key_for(name: str, url: str | None) -> str:
        """The folder of a deployment: its name and host, since many self-hosted backends share the name
        `convex-self-hosted`."""
        host = urlsplit(url).netloc.rpartition("@")[2] if url else ""  # a `user:password@` never names a folder
        key = f"{name}@{host}" if host else name
        return _UNSAFE.sub("_", key).strip("._") or "deployment"

    def folder(self, key: str) -> Path:
        if key != _UNSAFE.sub("_", key) or key in ("", ".", ".."):
            raise ValueError(f"{key!r} cannot name a folder of the backup store")
        return self.root / key

    def _ensure(self, key: str) -> Path:
        folder = self.folder(key)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for directory in (self.root, folder):
            directory.chmod(0o700)
        return folder

    def keys(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else []

    # -- writing --------------------------------------------------------------------------------------------
    def begin(self, key: str, *, deployment: str, kind: str = "manual", include_storage: bool = False) -> PendingBackup:
        self._ensure(key)
        requested = self.clock()
        backup_id = f"{requested:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
        return PendingBackup(self, key, backup_id, kind, include_storage, deployment, requested)

    # -- reading --------------------------------------------------------------------------------------------
    def list(self, key: str) -> list[StoredBackup]:
        """Complete backups, newest first. Folders without a readable manifest are not backups."""
        folder = self.folder(key)
        found = []
        for child in folder.iterdir() if folder.is_dir() else ():
            body = read_json(child / MANIFEST) if child.is_dir() else None
            if isinstance(body, dict):
                try:
                    found.append(StoredBackup.from_manifest(child, body))
                except (KeyError, TypeError, ValueError):
                    continue
        return sorted(found, key=lambda b: (b.completed, b.id), reverse=True)

    def get(self, key: str, backup_id: str) -> StoredBackup:
        """By id, a unique prefix of one, or `latest`."""
        backups = self.list(key)
        if backup_id == "latest" and backups:
            return backups[0]
        matches = [b for b in backups if b.id == backup_id] or [b for b in backups if b.id.startswith(backup_id)]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(b.id for b in backups[:5]) or "none yet"
        what = "matches several backups" if matches else "is not a backup"
        raise NotFound(f"{backup_id!r} {what} in this app's store for {key} (newest: {known}).", code="BackupNotFound")

    def incomplete(self, key: str) -> builtins.list[Path]:
        """Folders of interrupted backups (no manifest, and nobody writing them now)."""
        folder = self.folder(key)
        found = []
        for child in sorted(folder.iterdir()) if folder.is_dir() else ():
            if child.is_dir() and not (child / MANIFEST).exists() and not _being_written(child):
                found.append(child)
        return found

    def clean_incomplete(self, key: str) -> builtins.list[str]:
        removed = []
        for child in self.incomplete(key):
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child.name)
        return removed

    # -- deleting and retention -------------------------------------------------------------------------------
    def delete(self, key: str, backup_id: str) -> StoredBackup:
        backup = self.get(key, backup_id)
        (backup.folder / MANIFEST).unlink(missing_ok=True)  # first: from here on it is not a backup
        fsync_folder(backup.folder)
        shutil.rmtree(backup.folder, ignore_errors=True)
        return backup

    def policy(self, key: str) -> RetentionPolicy:
        body = read_json(self.folder(key) / POLICY_NAME)
        if not isinstance(body, dict):
            return RetentionPolicy()
        fields = {k: body[k] for k in ("manual_days", "daily_days", "weekly_days", "max_backups") if k in body}
        return RetentionPolicy(**fields)

    def set_policy(self, key: str, policy: RetentionPolicy) -> None:
        if policy.max_backups is not None and policy.max_backups < 1:
            raise ValueError("max_backups must be at least 1")
        write_json_atomically(self._ensure(key) / POLICY_NAME, asdict(policy))

    def prune(self, key: str, *, keep: str | None = None) -> builtins.list[str]:
        """Delete expired backups, then the oldest beyond the policy's count; never `keep` (the backup just
        made). Returns the ids deleted."""
        now = self.clock()
        backups = self.list(key)
        doomed = [b for b in backups if b.expires <= now and b.id != keep]
        cap = self.policy(key).max_backups
        if cap:
            alive = [b for b in backups if b not in doomed]
            doomed += [b for b in alive[cap:] if b.id != keep]
        for backup in doomed:
            self.delete(key, backup.id)
        return [b.id for b in doomed]

    # -- schedule (its meaning is schedules_runner's) -----------------------------------------------------------
    def read_schedule(self, key: str) -> dict[str, Any] | None:
        body = read_json(self.folder(key) / SCHEDULE_NAME)
        return body if isinstance(body, dict) else None

    def write_schedule(self, key: str, body: dict[str, Any] | None) -> None:
        path = self.folder(key) / SCHEDULE_NAME
        if body is None:
            path.unlink(missing_ok=True)
            return
        write_json_atomically(self._ensure(key) / SCHEDULE_NAME, body)


def _being_written(folder: Path) -> bool:
    lock = folder / LOCK_NAME
    if not lock.exists():
        return False
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
