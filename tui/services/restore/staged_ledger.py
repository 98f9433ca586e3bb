"""This machine's record of the imports this app staged and has not yet confirmed or cancelled
(`<data>/staged_imports.json`), so that one left behind by a run that died (killed at the review step, a
lost terminal) is found and cancelled on the next start instead of blocking the deployment.

An entry is written before anything is uploaded or requested: its import id is not known yet then, so it
also keeps the ids of the imports the deployment already had (`before`), and what kind of import it
will be. It gets its import id once the import is staged, and goes when the import is confirmed or
cancelled. Entries name the process that made them: another app running at the same time is left alone.
No secret is kept here.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import orjson

from tui.services.json_file import write_json_atomically

FILE_NAME = "staged_imports.json"


@dataclass(frozen=True)
class StagedEntry:
    key: str
    target_kind: str  # cloud, sandbox, selfHosted: deployment names are unique within one kind of target
    deployment: str
    kind: str  # "cloudRestore" (a restore from a cloud backup) or "snapshotImport" (a ZIP upload)
    backup_id: str | None
    before: tuple[str, ...] | None  # the deployment's import ids before staging (None: unknown)
    pid: int
    staged_at: str
    import_id: str | None = None

    @property
    def process_alive(self) -> bool:
        if self.pid == os.getpid():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def describe(self) -> str:
        return f"this app (pid {self.pid}) at {self.staged_at[:16].replace('T', ' ')} UTC"


@dataclass
class StagedLedger:
    folder: Path
    _entries: list[StagedEntry] = field(default_factory=list, repr=False)

    @property
    def path(self) -> Path:
        return Path(self.folder) / FILE_NAME

    @contextlib.contextmanager
    def _locked(self) -> Iterator[list[StagedEntry]]:
        """The entries, under an exclusive lock; whatever the block leaves in the list is written back."""
        folder = Path(self.folder)
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / f"{FILE_NAME}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            entries = self._read()
            before = list(entries)
            yield entries
            if entries != before:
                self._write(entries)
        finally:
            os.close(fd)

    def _read(self) -> list[StagedEntry]:
        try:
            raw = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return []
        except (OSError, orjson.JSONDecodeError):
            return []  # a damaged record must not stop the app; at worst a staged import is listed, not cancelled
        entries = []
        for item in raw if isinstance(raw, list) else []:
            try:
                before = item.get("before")
                entries.append(StagedEntry(**{**item, "before": tuple(before) if before is not None else None}))
            except (TypeError, AttributeError):
                continue
        return entries

    def _write(self, entries: list[StagedEntry]) -> None:
        # Under the lock (`_locked`); the file itself is written whole and synced, as this app's other JSON files
        # are: after a power cut the entry of an import still staged is there to be cancelled.
        write_json_atomically(self.path, [asdict(e) for e in entries])

    # -- what the guard does ------------------------------------------------------------------------------
    def add(
        self, *, target_kind: str, deployment: str, kind: str, backup_id: str | None, before: tuple[str, ...] | None
    ) -> StagedEntry:
        entry = StagedEntry(
            key=uuid.uuid4().hex,
            target_kind=target_kind,
            deployment=deployment,
            kind=kind,
            backup_id=backup_id,
            before=before,
            pid=os.getpid(),
            staged_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        with self._locked() as entries:
            entries.append(entry)
        return entry

    def set_import(self, key: str, import_id: str) -> None:
        with self._locked() as entries:
            entries[:] = [
                StagedEntry(**{**asdict(e), "before": e.before, "import_id": import_id}) if e.key == key else e
                for e in entries
            ]

    def remove(self, key: str) -> None:
        with self._locked() as entries:
            entries[:] = [e for e in entries if e.key != key]

    def remove_import(self, import_id: str) -> None:
        with self._locked() as entries:
            entries[:] = [e for e in entries if e.import_id != import_id]

    def entries(self) -> list[StagedEntry]:
        with self._locked() as entries:
            return list(entries)

    def left_behind(self, target_kind: str) -> list[StagedEntry]:
        """Entries of this kind of target whose process is gone."""
        return [e for e in self.entries() if e.target_kind == target_kind and not e.process_alive]

    def find(self, import_id: str) -> StagedEntry | None:
        return next((e for e in self.entries() if e.import_id == import_id), None)
