"""The export worker: one at a time, a consistent snapshot written as a Convex ZIP."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tui.emulator.exports import state as exports
from tui.emulator.deployment import system_tables
from tui.emulator.deployment.database import Database
from tui.emulator.deployment.documents import iter_bodies
from tui.emulator.deployment.file_storage import read_blob
from tui.emulator.deployment.tables import STORAGE_TABLE, Tablet, active_tablets, components, count_documents
from tui.emulator.throttle import Throttle
from tui.emulator.worker_thread import WorkerThread

if TYPE_CHECKING:  # imported by the first export (`_write_zip`): starting a deployment does not need it
    from tui.archive.writer import SnapshotWriter

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 1.0
EXPIRED_KEEP_NS = 30 * 24 * 3600 * 10**9  # expired exports are purged 30 days after expiry


class ExportCanceled(Exception):
    pass


class ExportWorker(WorkerThread):
    def __init__(self, db: Database, exports_dir: Path, instance_name: str, throttle: Throttle):
        self.db = db
        self.dir = exports_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.instance_name = instance_name
        self.throttle = throttle
        super().__init__(f"export-{instance_name}")

    def interrupt(self) -> None:
        self.throttle.set(self.throttle.step_delay)  # cut a throttled sleep short

    def zip_path(self, export: dict[str, Any]) -> Path:
        return self.dir / f"{export['_id']}.zip"

    def _run(self) -> None:
        while self._looking():
            try:
                self.purge_expired()
                for export in exports.pending(self.db.connection()):
                    if self._stop.is_set():
                        return
                    self._run_one(export)
            except Exception:  # a worker that dies silently would leave exports pending forever
                log.exception("export worker error; retrying")
                self._stop.wait(1.0)
                continue
            self._wait()

    def _run_one(self, export: dict[str, Any]) -> None:
        self.throttle.pause()
        if not self._update(export["_id"], state="in_progress", start_ts=None, progress_message="Beginning backup"):
            return
        include_storage = export["format"]["include_storage"]
        part = self.dir / f"{export['_id']}.zip.part"
        try:
            self.throttle.pause()
            snapshot_ts, size = self._write_zip(export["_id"], part, include_storage)
        except ExportCanceled:
            part.unlink(missing_ok=True)
            return
        except Exception:
            part.unlink(missing_ok=True)
            raise
        final = self.zip_path(export)
        os.replace(part, final)
        with self.db.write() as txn:
            current = exports.get(txn.conn, export["_id"])
            if current is None or current["state"] != "in_progress":
                final.unlink(missing_ok=True)
                return
            system_tables.replace(
                txn,
                {
                    "_id": current["_id"],
                    "_creationTime": current["_creationTime"],
                    "state": "completed",
                    "format": current["format"],
                    "component": current.get("component"),
                    "requestor": current["requestor"],
                    "start_ts": snapshot_ts,
                    "complete_ts": txn.ts,
                    "expiration_ts": current["expiration_ts"],
                    "zip_object_key": final.name,
                    "size": size,
                },
            )

    def _update(self, export_id: str, **changes: Any) -> bool:
        """Move an export on unless it was canceled meanwhile; False when it was."""
        with self.db.write() as txn:
            current = exports.get(txn.conn, export_id)
            if current is None or current["state"] not in exports.PENDING:
                return False
            if changes.get("state") == "in_progress" and "start_ts" in changes:
                changes["start_ts"] = txn.ts
            current.update(changes)
            system_tables.replace(txn, current)
            return True

    def _write_zip(self, export_id: str, path: Path, include_storage: bool) -> tuple[int, int]:
        from tui.archive.writer import SnapshotWriter

        progress = _Progress(self, export_id)
        with self.db.snapshot() as (conn, snapshot_ts), open(path, "wb") as raw:
            with SnapshotWriter(raw) as writer:
                tablets = active_tablets(conn)
                user = [t for t in tablets if t.name != STORAGE_TABLE]
                for component in components(conn):
                    progress.set(f"Backing up _tables{_in(component)}")
                    writer.write_tables_index(component, [(t.name, t.number) for t in user if t.component == component])
                sizes = {t.tablet: count_documents(conn, t.tablet) for t in tablets}
                ordered = sorted(user, key=lambda t: (sizes[t.tablet], t.component, t.number))
                for tablet in ordered:
                    self._write_table(conn, writer, tablet, sizes[tablet.tablet], progress)
                if include_storage:
                    for component in components(conn):
                        storage = next((t for t in tablets if t.component == component and t.is_storage), None)
                        self._write_storage(
                            conn, writer, component, storage, sizes.get(storage.tablet, 0) if storage else 0, progress
                        )
            raw.flush()
            os.fsync(raw.fileno())
            size = raw.tell()
        return snapshot_ts, size

    def _write_table(self, conn, writer: SnapshotWriter, tablet: Tablet, total: int, progress: _Progress) -> None:
        # Convex's words exactly (tui/emulator/README.md): nothing says which table of how many.
        label = f"{tablet.name}{_in(tablet.component)}"
        progress.set(f"Backing up {label}", force=True)
        with writer.open_table(tablet.component, tablet.name) as table:
            for body in iter_bodies(conn, tablet.tablet):
                table.write_line(body)
                if table.documents % 1000 == 0:
                    progress.set(f"Backing up {label}: {table.documents:,} / {total:,} documents")
        progress.set(f"Backing up {label}: {total:,} / {total:,} documents", force=True)

    def _write_storage(self, conn, writer, component: str, storage: Tablet | None, total: int, progress) -> None:
        label = f"_storage{_in(component)}"
        progress.set(f"Backing up {label}: 0 / {total:,} entries (metadata)", force=True)
        # Metadata first (one member), then each file's bytes; both read through the same snapshot.
        entries = (orjson.loads(body) for body in iter_bodies(conn, storage.tablet)) if storage else ()
        writer.write_storage_index(component, entries)
        progress.set(f"Backing up {label}: {total:,} / {total:,} entries (metadata)", force=True)
        if storage is None:
            return
        for done, body in enumerate(iter_bodies(conn, storage.tablet), start=1):
            meta = orjson.loads(body)
            chunks = read_blob(conn, meta["internalId"])
            writer.write_storage_file(component, meta["_id"], meta.get("contentType"), chunks)
            progress.set(f"Backing up {label}: {done:,} / {total:,} files (downloading)")

    def purge_expired(self) -> None:
        now = self.db.clock.now_ns()
        conn = self.db.connection()
        for export in exports.all_exports(conn):
            stamp = (
                export.get("expiration_ts")
                if export["state"] == "completed"
                else (export.get("failed_ts") or export.get("canceled_ts"))
            )
            if export["state"] in exports.PENDING or stamp is None or now - stamp < EXPIRED_KEEP_NS:
                continue
            with self.db.write() as txn:
                system_tables.delete(txn, export["_id"])
            self.zip_path(export).unlink(missing_ok=True)


def _in(component: str) -> str:
    return f" in '{component}'" if component else ""


class _Progress:
    """Writes `progress_message` at most every PROGRESS_EVERY_S (or when forced); checks for cancel."""

    def __init__(self, worker: ExportWorker, export_id: str):
        self.worker = worker
        self.export_id = export_id
        self.last = 0.0

    def set(self, message: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        if not self.worker._update(self.export_id, progress_message=message):
            raise ExportCanceled()
        self.worker.throttle.pause()
