"""Verify a snapshot ZIP end to end in one streaming pass, as strictly as a Convex import would (and more)."""

from __future__ import annotations

import base64
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field

from tui.archive.errors import ArchiveError
from tui.archive.ids import table_number_of
from tui.archive.members import CHUNK, DEFAULT_MAX_TOTAL_BYTES
from tui.archive.reader import SnapshotReader, StorageEntry, TableEntry
from tui.archive.rows import sha256_bytes

Progress = Callable[[int, int, str], None]  # (members done, members total, message)


@dataclass
class TableCheck:
    component_path: str
    name: str
    table_number: int | None  # None for a table without documents that `_tables` does not list
    documents: int
    bytes: int  # uncompressed size of documents.jsonl


@dataclass
class VerifyReport:
    path: str
    snapshot_ts: int | None  # ns since the epoch, from the file name; None when the name is not Convex's
    members_checked: int
    tables: list[TableCheck] = field(default_factory=list)
    storage_files: int = 0
    storage_bytes: int = 0
    storage_missing: int = 0  # metadata lines without a file (only when strict_storage is off)
    storage_unindexed: int = 0  # files without a metadata line (Convex imports them without a content type)
    ok: bool = True

    @property
    def documents(self) -> int:
        return sum(t.documents for t in self.tables)


class _OrderBroken(Exception):
    """The table's `_id`s are not ascending, so comparing neighbours cannot find duplicates."""


class _OnDiskIdSet:
    """Seen ids in a temporary SQLite table, so memory stays flat however big the table is."""

    def __init__(self, directory: str):
        self._db = sqlite3.connect(os.path.join(directory, "ids.sqlite"), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE ids (id BLOB PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        self._db.execute("BEGIN")

    def add(self, key: bytes, line: int) -> int | None:
        """Remember `key`; return the line that already had it, else None."""
        if self._db.execute("INSERT OR IGNORE INTO ids VALUES (?, ?)", (key, line)).rowcount:
            return None
        earlier: int = self._db.execute("SELECT line FROM ids WHERE id = ?", (key,)).fetchone()[0]
        return earlier

    def close(self) -> None:
        self._db.close()


def verify_archive(
    path: str | os.PathLike[str],
    *,
    strict_storage: bool = True,
    progress: Progress | None = None,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
) -> VerifyReport:
    """Read every member once and check everything: CRC-32 and sizes, every document decodes, `_id`s
    are valid, belong to their table's number and are unique, storage metadata is valid and every
    file matches its sha256 and size.

    Verification stops at the first problem and raises ArchiveError (code, member, line); a returned
    report is always `ok`. With `strict_storage=False` a metadata line without its file is counted
    in `storage_missing` instead (Convex silently drops such lines on import).
    """
    with SnapshotReader(path, max_total_bytes=max_total_bytes) as reader:
        return _Verifier(reader, strict_storage, progress).run()


class _Verifier:
    def __init__(self, reader: SnapshotReader, strict_storage: bool, progress: Progress | None):
        self.reader = reader
        self.strict_storage = strict_storage
        self.progress = progress
        self.total = len(reader.member_names)
        self.report = VerifyReport(reader.path, reader.snapshot_ts, 0)
        self.numbers: dict[str, dict[int, str]] = {}  # component -> table number -> table name

    def _step(self, message: str) -> None:
        if self.progress:
            self.progress(self.report.members_checked, self.total, message)
        self.report.members_checked += 1

    def run(self) -> VerifyReport:
        reader = self.reader
        # `_tables` pins table numbers, so read it before any table whatever the member order.
        for component in reader.components:
            index = reader.tables_index(component)
            self.numbers[component] = {number: name for name, number in index.items()}
            if reader.tables_member(component):
                self._step(f"Checked {reader.tables_member(component)}")
        tables = {table.documents_member: table for table in reader.tables}
        storage = {entry.index_member: entry for entry in reader.storage.values()}
        done = {reader.tables_member(c) for c in reader.components}
        done |= {m for entry in reader.storage.values() for m in entry.files.values()}
        for name in reader.member_names:
            if name in tables:
                self._step(f"Checking {name}")
                self._check_table(tables[name])
            elif name in storage:
                self._step(f"Checking {name}")
                self._check_storage(storage[name])
            elif name not in done:
                self._step(f"Checking {name}")
                with reader.open_member(name) as stream:
                    stream.read_to_end()
        if self.progress:
            self.progress(self.total, self.total, "Verified")
        return self.report

    # -- tables -------------------------------------------------------------------------------------

    def _check_table(self, table: TableEntry) -> None:
        try:
            self._check_table_documents(table)
        except ArchiveError as exc:
            if exc.code == "ValueTooLargeError" and exc.hint is None:
                exc.hint = "Convex refuses documents over 1 MiB, so an import of this file would fail"
            raise

    def _check_table_documents(self, table: TableEntry) -> None:
        pinned = self.reader.tables_index(table.component_path).get(table.name)
        try:
            documents, number = self._scan_table(table, pinned, None)
        except _OrderBroken:
            # Rare (hand-made archives): Convex writes documents in `_id` order. Start over with an
            # on-disk set of seen ids.
            with tempfile.TemporaryDirectory(prefix="convex-backups-verify-") as directory:
                seen = _OnDiskIdSet(directory)
                try:
                    documents, number = self._scan_table(table, pinned, seen)
                finally:
                    seen.close()
        self.report.tables.append(TableCheck(table.component_path, table.name, number, documents, table.size))

    def _scan_table(self, table: TableEntry, pinned: int | None, seen: _OnDiskIdSet | None) -> tuple[int, int | None]:
        member = table.documents_member
        number = pinned
        documents = 0
        previous: bytes | None = None
        previous_line = 0
        with closing(self.reader.iter_documents_with_ids(table)) as rows:
            for line_no, _, doc_id in rows:
                documents += 1
                if doc_id is None:
                    continue  # documents without `_id` get fresh ids on import
                if number is None:
                    number = doc_id.table_number
                    self._claim_number(table, number, line_no)
                elif doc_id.table_number != number:
                    source = "_tables/documents.jsonl gives" if pinned is not None else "the first document gives"
                    raise ArchiveError(
                        "ImportConflict",
                        f"`_id` {doc_id.text!r} belongs to table number {doc_id.table_number}, but {source} "
                        f"table {table.name!r} the number {number}",
                        member=member,
                        line=line_no,
                        hint="The id comes from another table or deployment; Convex would refuse to import it",
                    )
                if seen is not None:
                    first = seen.add(doc_id.internal, line_no)
                    if first is not None:
                        raise _duplicate(table, doc_id.text, line_no, first)
                    continue
                if previous is not None:
                    if doc_id.internal == previous:
                        raise _duplicate(table, doc_id.text, line_no, previous_line)
                    if doc_id.internal < previous:
                        raise _OrderBroken
                previous, previous_line = doc_id.internal, line_no
        return documents, number

    def _claim_number(self, table: TableEntry, number: int, line_no: int) -> None:
        owners = self.numbers.setdefault(table.component_path, {})
        owner = owners.setdefault(number, table.name)
        if owner != table.name:
            raise ArchiveError(
                "TableNumberConflict",
                f"table {table.name!r} takes the number {number} from its first `_id`, but table {owner!r} has it too",
                member=table.documents_member,
                line=line_no,
            )

    # -- storage ------------------------------------------------------------------------------------

    def _check_storage(self, entry: StorageEntry) -> None:
        member = entry.index_member
        expected: dict[str, tuple[bytes | None, int | None, int]] = {}  # id -> (sha256, size, line)
        number: int | None = None
        for line_no, row in self.reader.iter_storage_index(entry.component_path):
            storage_id = row["_id"]
            id_number = table_number_of(storage_id)
            if number is None:
                number = id_number
            elif id_number != number:
                raise ArchiveError(
                    "InvalidId",
                    f"the `_storage` entry id {storage_id!r} is from table number {id_number}, "
                    f"the ones before it from {number}",
                    member=member,
                    line=line_no,
                )
            if storage_id in expected:
                raise ArchiveError(
                    "DuplicateId",
                    f"storage id {storage_id!r} repeats line {expected[storage_id][2]}",
                    member=member,
                    line=line_no,
                )
            expected[storage_id] = (sha256_bytes(row.get("sha256")), row.get("size"), line_no)
        for storage_id, file_member in entry.files.items():
            self._step(f"Checking {file_member}")
            digest = hashlib.sha256()
            size = 0
            with self.reader.open_member(file_member) as stream:
                while chunk := stream.read_chunk(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            self.report.storage_files += 1
            self.report.storage_bytes += size
            metadata = expected.pop(storage_id, None)
            if metadata is None:
                self.report.storage_unindexed += 1
                continue
            sha256, declared_size, line_no = metadata
            if sha256 is not None and digest.digest() != sha256:
                raise ArchiveError(
                    "Sha256Mismatch",
                    f"the file's sha256 is {_b64(digest.digest())} but line {line_no} of {member} says {_b64(sha256)}",
                    member=file_member,
                    hint="The file or its metadata is damaged",
                )
            if declared_size is not None and declared_size != size:
                raise ArchiveError(
                    "StorageSizeMismatch",
                    f"the file has {size} bytes but line {line_no} of {member} says {declared_size}",
                    member=file_member,
                )
        if expected and self.strict_storage:
            storage_id, (_, _, line_no) = min(expected.items(), key=lambda item: item[1][2])
            raise ArchiveError(
                "MissingStorageFile",
                f"the archive has no file for storage id {storage_id!r}",
                member=member,
                line=line_no,
                hint="Convex would silently drop this file on import; export again with file storage included",
            )
        self.report.storage_missing += len(expected)


def _duplicate(table: TableEntry, id_text: str, line_no: int, first_line: int) -> ArchiveError:
    return ArchiveError(
        "DuplicateId",
        f"`_id` {id_text!r} in table {table.label!r} repeats line {first_line}",
        member=table.documents_member,
        line=line_no,
    )


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")
