"""Execute phase of an import: fill new hidden tablets in batches, then swap
them in with one transaction. Until that transaction commits, no reader sees any of it; a failure,
a cancel or a killed process leaves only hidden tablets behind, which are dropped.
"""

from __future__ import annotations

import base64
import hashlib
import operator
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeGuard

import orjson

from tui.archive.ids import decode_id, new_id
from tui.archive.rows import sha256_bytes
from tui.values.encoding import export_line
from tui.archive.writer import storage_index_line
from tui.emulator.imports import state as imports
from tui.emulator.deployment.database import Database, Transaction
from tui.emulator.deployment.file_storage import put_blob
from tui.emulator.imports.parse import Plan, Unit, first_numbers, make_plan
from tui.emulator.imports.bulk_write import bulk_settings, insert_rows
from tui.emulator.imports.failures import failure, table_exists
from tui.emulator.imports.source import Source
from tui.emulator.prefetch import prefetched
from tui.emulator.deployment.tables import (
    count_documents,
    create_tablet,
    drop_tablet,
    find_active,
    active_tablets,
    next_table_number,
)
from tui.emulator.throttle import Throttle

BATCH_ROWS = 2000
BATCH_BYTES = 8 * 1024 * 1024
TXN_BYTES = 64 * 1024 * 1024  # bytes of rows per commit (unthrottled), see _write_table
STORAGE_BATCH_FILES = 100
STORAGE_BATCH_BYTES = 64 * 1024 * 1024
_INSERT = "INSERT INTO documents(tablet, id, creation_time, body, blob) VALUES (?, ?, ?, ?, ?)"
_ID = operator.itemgetter(0)
_BODY = operator.itemgetter(2)
# A batch is due once the transaction is committed (compared by identity).
_AFTER_COMMIT: tuple[list[tuple[str, float, bytes]], int] = ([], 0)


def _all_tuples(block: Sequence[object]) -> TypeGuard[Sequence[tuple[str, float, bytes]]]:
    return set(map(type, block)) <= {tuple}


class Canceled(Exception):
    """The import left `in_progress` (canceled) while it ran."""


class Stopped(Exception):
    """The worker is shutting down; the import stays `in_progress` and restarts on the next start."""


class Executor:
    def __init__(
        self,
        db: Database,
        throttle: Throttle,
        document: dict[str, Any],
        source: Source,
        should_stop: Callable[[], bool] = lambda: False,
    ):
        self.db = db
        self.throttle = throttle
        self.id = document["_id"]
        self.mode = document["mode"]
        self.source = source
        self.should_stop = should_stop
        self.hidden: dict[tuple[str, str], int] = {}  # (component, name) -> hidden tablet
        self.user_rows = 0

    # -- the whole run ------------------------------------------------------------------------------

    def run(self) -> int:
        """Import everything and finalize; returns the commit timestamp. Raises ImportFailure,
        Canceled or Stopped (the caller cleans up)."""
        conn = self.db.connection()
        plan = make_plan(conn, self.source, self.mode, first_numbers(self.source), check_ids=False)
        with bulk_settings(conn):
            for unit in plan.units:
                self._check_stop()
                tablet = self._create_tablet(unit, plan)
                if unit.is_storage:
                    self._write_storage(unit, tablet)
                else:
                    self._write_table(unit, tablet)
        return self._finalize(plan)

    def _check_stop(self) -> None:
        if self.should_stop():
            raise Stopped()

    # -- progress -----------------------------------------------------------------------------------

    def _update(
        self,
        txn: Transaction,
        unit: Unit | None = None,
        *,
        written: int | None = None,
        tablet_id: int | None = None,
        progress: str | None = None,
        checkpoint: str | None = None,
    ) -> None:
        """Record progress in the import; raises Canceled when the import is no longer in progress
        (checked inside the same transaction as the rows it accompanies)."""
        document = imports.current(txn, self.id, "in_progress")
        if document is None:
            raise Canceled()
        state = dict(document["state"])
        if progress is not None:
            state["progress_message"] = progress
        if checkpoint is not None:
            state["checkpoint_messages"] = [*state.get("checkpoint_messages", []), checkpoint]
            state["progress_message"] = checkpoint
        checkpoints = document.get("checkpoints") or []
        if unit is not None:
            for entry in checkpoints:
                if entry["display_table_name"] == unit.name and (entry["component_path"] or "") == unit.component:
                    if written is not None:
                        entry["num_rows_written"] = written
                    if tablet_id is not None:
                        entry["tablet_id"] = str(tablet_id)
        imports.set_state(txn, document, state, checkpoints=checkpoints)

    def _create_tablet(self, unit: Unit, plan: Plan) -> int:
        with self.db.write() as txn:
            if unit.number is None:
                reserved = {u.number for u in plan.units if u.component == unit.component and u.number is not None}
                unit.number = next_table_number(txn.conn, unit.component, reserved)
            tablet = create_tablet(txn, unit.component, unit.name, unit.number, state="hidden", import_id=self.id)
            progress = f'Importing "{unit.name}"{imports.in_component(unit.component)}'
            self._update(txn, unit, tablet_id=tablet.tablet, progress=progress)
        self.hidden[(unit.component, unit.name)] = tablet.tablet
        return tablet.tablet

    # -- user tables --------------------------------------------------------------------------------

    def _write_table(self, unit: Unit, tablet: int) -> None:
        assert unit.table is not None and unit.number is not None
        written = 0
        label = f'"{unit.name}"'
        # Reading runs on a thread while SQLite writes the previous batch, and SQLite writes many
        # rows per statement without the GIL, so both cores work. Batches go into one transaction until TXN_BYTES:
        # every commit writes each index page it touched again, so fewer, larger commits write much
        # less. A throttled worker (which exists to be watched) commits every batch, as each commit
        # is one progress step.
        limit = TXN_BYTES if self.throttle.step_delay <= 0 else 1
        batches = prefetched(self._batches(unit))
        try:
            item = next(batches, None)
            while item is not None:
                try:
                    with self.db.write() as txn:
                        size = 0
                        while item is not None and size < limit:
                            rows, rows_bytes = item
                            insert_rows(txn.conn, tablet, rows)
                            written += len(rows)
                            size += rows_bytes
                            item = next(batches, None) if size < limit else _AFTER_COMMIT
                        self._update(txn, unit, written=written, progress=f"Importing {label} ({written:,} documents)")
                except sqlite3.IntegrityError:
                    raise failure("DuplicateId", f"Objects in table {label} have duplicate _id fields") from None
                self.throttle.pause()
                self._check_stop()
                if item is _AFTER_COMMIT:
                    item = next(batches, None)
        finally:
            batches.close()
        with self.db.write() as txn:
            message = f"Imported {label}{imports.in_component(unit.component)} ({written:,} documents)"
            self._update(txn, unit, written=written, checkpoint=message)
        self.throttle.pause()
        self._check_stop()
        self.user_rows += written

    def _batches(self, unit: Unit) -> Iterator[tuple[list[tuple[str, float, bytes]], int]]:
        """(rows sorted by `_id`, their bytes) for the table, BATCH_ROWS or BATCH_BYTES at a time."""
        number = unit.number
        assert number is not None
        check_ids = unit.check_ids
        batch: list[tuple[str, float, bytes]] = []
        size = 0
        assert unit.table is not None  # a user table (`_write_storage` writes `_storage`)
        for items in self.source.row_blocks(unit.table):
            block: Sequence[tuple[str, float, bytes]] = (
                items
                if _all_tuples(items)
                else [item if isinstance(item, tuple) else self._encode(item, number) for item in items]
            )
            if check_ids:
                for doc_id, _, _ in block:
                    if decode_id(doc_id)[0] != number:
                        raise failure(
                            "ImportConflict",
                            f'An _id in table "{unit.name}" belongs to another table number than {number}: the '
                            "ids come from a different deployment and clash with existing tables.",
                        )
            while block:
                room = BATCH_ROWS - len(batch)
                taken, block = (block, []) if len(block) <= room else (block[:room], block[room:])
                batch += taken
                size += sum(map(len, map(_BODY, taken)))
                if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
                    batch.sort(key=_ID)  # B-tree friendly: insert in `_id` order
                    yield batch, size
                    batch, size = [], 0
        if batch:
            batch.sort(key=_ID)
            yield batch, size

    def _encode(self, document: dict[str, Any], number: int) -> tuple[str, float, bytes]:
        doc_id = document.get("_id")
        created = document.get("_creationTime")
        if doc_id is None or created is None or not isinstance(created, float):
            now_s = self.db.clock.now()
            doc_id = doc_id if doc_id is not None else new_id(number, now_s)
            created = float(created) if created is not None else now_s * 1000.0
            document = {**document, "_id": doc_id, "_creationTime": created}
        return doc_id, created, export_line(document)

    # -- file storage -------------------------------------------------------------------------------

    def _write_storage(self, unit: Unit, tablet: int) -> None:
        source, component = self.source, unit.component
        metadata: dict[str, tuple] = {}
        for _, row in source.storage_index(component):
            metadata[row["_id"]] = tuple(row.get(k) for k in ("sha256", "contentType", "internalId", "_creationTime"))
        total = len(metadata)
        files = source.storage_files(component)
        done = 0
        batch: list[tuple[str, str]] = []
        batch_bytes = 0
        for storage_id, member in files.items():
            batch.append((storage_id, member))
            batch_bytes += source.storage_file_size(member)
            if len(batch) >= STORAGE_BATCH_FILES or batch_bytes >= STORAGE_BATCH_BYTES:
                done = self._store_files(unit, tablet, batch, metadata, done, total)
                batch, batch_bytes = [], 0
        done = self._store_files(unit, tablet, batch, metadata, done, total)
        with self.db.write() as txn:
            message = f'Imported "_storage"{imports.in_component(component)} ({done:,} files)'
            self._update(txn, unit, written=done, checkpoint=message)
        self.throttle.pause()

    def _store_files(self, unit, tablet: int, batch, metadata, done: int, total: int) -> int:
        if not batch:
            return done
        with self.db.write() as txn:
            for storage_id, member in batch:
                self._store_file(txn, tablet, storage_id, member, metadata.pop(storage_id, None))
                done += 1
            self._update(txn, unit, written=done, progress=f'Importing "_storage" ({done:,}/{total:,} files)')
        self.throttle.pause()
        self._check_stop()
        return done

    def _store_file(self, txn: Transaction, tablet: int, storage_id: str, member: str, meta: tuple | None) -> None:
        expected, content_type, internal_id, created = meta or (None, None, None, None)
        size = self.source.storage_file_size(member)
        internal_id = internal_id or str(uuid.uuid4())
        sha = None
        if txn.execute("SELECT 1 FROM blobs WHERE internal_id = ?", (internal_id,)).fetchone():
            # The same file is already stored (re-importing an export of this deployment): reuse its
            # bytes when they are identical, else keep the new copy under a fresh internal id.
            sha = self._hash_member(member)
            self._check_sha(member, expected, sha)
            if self._stored_sha(txn, internal_id) != (sha, size):
                internal_id, sha = str(uuid.uuid4()), None
        if sha is None:
            try:
                _, sha = put_blob(txn, internal_id, self.source.storage_chunks(member), size)
            except sqlite3.IntegrityError:
                raise failure("DuplicateId", f"Two _storage entries share the internal id {internal_id}") from None
            self._check_sha(member, expected, sha)
        document = {
            "_id": storage_id,
            "_creationTime": float(created) if created is not None else txn.ts_ms,
            "sha256": sha,
            "size": size,
            "contentType": content_type,
            "internalId": internal_id,
        }
        try:
            row = (tablet, storage_id, document["_creationTime"], storage_index_line(document), internal_id)
            txn.execute(_INSERT, row)
        except sqlite3.IntegrityError:
            raise failure("DuplicateId", 'Objects in table "_storage" have duplicate _id fields') from None

    def _hash_member(self, member: str) -> str:
        digest = hashlib.sha256()
        for chunk in self.source.storage_chunks(member):
            digest.update(chunk)
        return base64.b64encode(digest.digest()).decode("ascii")

    @staticmethod
    def _check_sha(member: str, expected: str | None, actual: str) -> None:
        if expected is not None and sha256_bytes(expected) != base64.b64decode(actual):
            raise failure("Sha256Mismatch", f"File sha256 mismatch for {member}: expected {expected}, got {actual}")

    @staticmethod
    def _stored_sha(txn: Transaction, internal_id: str) -> tuple[str, int] | None:
        row = txn.execute("SELECT body FROM documents WHERE blob = ? LIMIT 1", (internal_id,)).fetchone()
        size = txn.execute("SELECT size FROM blobs WHERE internal_id = ?", (internal_id,)).fetchone()
        if row is None or size is None:
            return None
        return orjson.loads(row[0]).get("sha256"), size[0]

    # -- finalize -----------------------------------------------------------------------------------

    def _finalize(self, plan: Plan) -> int:
        """One transaction: drop what is replaced, swap the hidden tablets in, mark completed."""
        with self.db.write() as txn:
            document = imports.current(txn, self.id, "in_progress")
            if document is None:
                raise Canceled()
            conn = txn.conn
            drops: dict[int, Any] = {}
            if self.mode == "ReplaceAll":
                drops.update({t.tablet: t for t in active_tablets(conn) if not t.name.startswith("_")})
            for unit in plan.units:
                existing = find_active(conn, unit.component, unit.name)
                if existing is None or unit.merge:
                    continue
                if self.mode == "RequireEmpty" and count_documents(conn, existing.tablet):
                    raise table_exists(unit.name)
                if self.mode != "Append":
                    drops[existing.tablet] = existing
            for tablet in drops:
                drop_tablet(txn, tablet)
            for unit in plan.units:
                self._swap_in(txn, unit)
            clash = conn.execute(
                "SELECT component, number, GROUP_CONCAT(name, '\", \"') FROM tablets WHERE state = 'active' "
                "GROUP BY component, number HAVING COUNT(*) > 1"
            ).fetchone()
            if clash:
                raise failure(
                    "TableConflict",
                    f'Tables "{clash[2]}" would share the table number {clash[1]}. '
                    "To replace every table, use --replace-all.",
                )
            state = {"state": "completed", "timestamp": txn.ts, "num_rows_written": self.user_rows}
            imports.set_state(txn, document, state)
            return txn.ts

    def _swap_in(self, txn: Transaction, unit: Unit) -> None:
        hidden = self.hidden[(unit.component, unit.name)]
        target = find_active(txn.conn, unit.component, unit.name) if self.mode == "Append" else None
        if target is None:
            txn.execute("UPDATE tablets SET state = 'active', import_id = NULL WHERE tablet = ?", (hidden,))
            return
        if target.number != unit.number:
            raise failure(
                "ImportConflict", f'Table "{unit.name}" changed its table number while the import ran; try again.'
            )
        try:
            txn.execute("UPDATE documents SET tablet = ? WHERE tablet = ?", (target.tablet, hidden))
        except sqlite3.IntegrityError:
            raise failure(
                "DuplicateId",
                f'Documents imported into table "{unit.name}" have the same _id as documents already in it.',
            ) from None
        drop_tablet(txn, hidden)
