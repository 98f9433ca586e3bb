"""Streaming reader for the snapshot ZIP: every member is read incrementally, memory stays flat.

Opening checks the central directory only (names, sizes, layout); data problems surface while
iterating, as ArchiveError with the member and line.
"""

from __future__ import annotations

import io
import os
import struct
import weakref
import zipfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from tui.archive.errors import CORRUPT_HINT, ArchiveError, archive_errors
from tui.archive.ids import InvalidIdError, decode_id
from tui.archive.layout import classify_member, parse_snapshot_filename
from tui.archive.members import CHUNK, DEFAULT_MAX_TOTAL_BYTES, MemberStream, check_entries
from tui.values.field_names import component_name_problem, table_name_problem
from tui.archive.limits import UNMEASURED_LINE_BYTES, document_size, too_large_text
from tui.archive.lines import LineLengthGuard, checked_line, line_bodies, split_body, split_lines
from tui.archive.rows import DocumentId, check_storage_row, document_id, tables_row
from tui.values.encoding import decode_export_document, decode_legacy_document

_ZIPFILE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    IndexError,
    OverflowError,
    NotImplementedError,
)
_SCHEMA_LINE_LIMIT = 64 * 1024
_LINE_CHUNK = 256 * 1024  # lines are split out of chunks this big: small enough to keep the peak low


@dataclass(frozen=True)
class TableEntry:
    """One user table in the archive: `<prefix><name>/documents.jsonl`."""

    component_path: str  # "" for the root component
    name: str
    documents_member: str
    schema_member: str | None  # generated_schema.jsonl, if present
    uniform: bool  # the schema member says "uniform": values use the lossless export encoding
    size: int  # declared uncompressed size of documents.jsonl

    @property
    def label(self) -> str:
        return f"{self.component_path}/{self.name}" if self.component_path else self.name


@dataclass
class StorageEntry:
    """A component's `_storage/documents.jsonl` and its files (files without an index are ignored, like Convex)."""

    component_path: str
    index_member: str
    files: dict[str, str] = field(default_factory=dict)  # storage id -> member name


def _component_problem(component_path: str) -> str | None:
    for part in component_path.split("/") if component_path else ():
        problem = component_name_problem(part)
        if problem:
            return f"component name {part!r} is not valid: {problem}"
    return None


class SnapshotReader:
    """Read a snapshot ZIP from `path`. Use as a context manager.

    Raises ArchiveError for anything wrong with the archive, OSError when `path` cannot be opened.
    """

    def __init__(self, path: str | os.PathLike[str], *, max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES):
        self.path = os.fspath(path)
        self._streams: weakref.WeakSet[MemberStream] = weakref.WeakSet()
        self._tables_index_cache: dict[str, dict[str, int]] = {}
        with open(self.path, "rb") as handle:
            try:
                with zipfile.ZipFile(handle) as archive:
                    infos = archive.infolist()
                    central_dir_offset = archive.start_dir
            except _ZIPFILE_ERRORS as exc:  # zipfile raises many kinds of errors on hostile input
                raise ArchiveError("InvalidZip", f"not a valid ZIP archive: {exc}", hint=CORRUPT_HINT) from None
        check_entries(infos, central_dir_offset, max_total_bytes)
        self._infos = {info.filename: info for info in infos if not info.is_dir()}
        self.member_names: list[str] = [info.filename for info in infos if not info.is_dir()]
        if len(self._infos) != len(self.member_names):
            duplicate = next(n for n in self.member_names if self.member_names.count(n) > 1)
            raise ArchiveError("InvalidZip", "the entry appears twice in the archive", member=duplicate)
        self._classify()
        parsed = parse_snapshot_filename(os.path.basename(self.path))
        self.deployment_name: str | None = parsed[0] if parsed else None
        self.snapshot_ts: int | None = parsed[1] if parsed else None  # ns since the epoch, from the file name

    # -- layout -------------------------------------------------------------------------------------

    def _classify(self) -> None:
        documents: dict[tuple[str, str], str] = {}
        schemas: dict[tuple[str, str], str] = {}
        self._tables_members: dict[str, str] = {}
        storage_index: dict[str, str] = {}
        storage_files: dict[str, list[tuple[str, str]]] = {}
        for name in self.member_names:
            path = classify_member(name)
            if path.kind == "ignored":
                continue
            if path.kind in ("documents", "schema") and path.table.startswith("_"):
                continue  # system tables other than _tables/_storage are skipped silently, as Convex does
            if path.kind == "storage_file":  # checked below, only if the component has an index
                storage_files.setdefault(path.component_path, []).append((path.storage_id, name))
                continue
            problem = _component_problem(path.component_path)
            if problem:
                raise ArchiveError("InvalidComponentName", problem, member=name)
            if path.kind in ("documents", "schema"):
                problem = table_name_problem(path.table)
                if problem:
                    raise ArchiveError(
                        "InvalidTableName", f"{path.table!r} is not a valid table name: {problem}", member=name
                    )
            target: dict[Any, str]
            key: Any = (path.component_path, path.table)
            if path.kind == "documents":
                target = documents
            elif path.kind == "schema":
                target = schemas
            else:
                key = path.component_path
                target = self._tables_members if path.kind == "tables" else storage_index
            if key in target:  # e.g. users/documents.jsonl and backup/users/documents.jsonl
                raise ArchiveError("DuplicateTableName", f"the same table is also in {target[key]!r}", member=name)
            target[key] = name
        self.storage: dict[str, StorageEntry] = {
            component: _storage_entry(component, index_member, storage_files.get(component, []))
            for component, index_member in storage_index.items()
        }
        self.tables: list[TableEntry] = []
        for (component, table), member in documents.items():
            schema = schemas.get((component, table))
            self.tables.append(
                TableEntry(component, table, member, schema, self._says_uniform(schema), self._infos[member].file_size)
            )

    def _says_uniform(self, schema_member: str | None) -> bool:
        """True for the `"uniform"` marker; a legacy shape line means legacy decoding."""
        if schema_member is None:
            return False
        with self.open_member(schema_member) as stream:
            head = b""
            while b"\n" not in head and len(head) < _SCHEMA_LINE_LIMIT:
                chunk = stream.read_chunk(_SCHEMA_LINE_LIMIT)
                if not chunk:
                    break
                head += chunk
        first = head.split(b"\n", 1)[0].rstrip(b"\r")
        if not first:
            return False
        try:
            marker = orjson.loads(first)
        except orjson.JSONDecodeError as exc:
            marker = exc
        if not isinstance(marker, str):
            message = 'the first line must be a JSON string such as "uniform"'
            raise ArchiveError("InvalidGeneratedSchema", message, member=schema_member, line=1)
        return marker == "uniform"

    @property
    def components(self) -> list[str]:
        seen = dict.fromkeys([*self._tables_members, *(t.component_path for t in self.tables), *self.storage])
        return list(seen)

    def member_size(self, name: str) -> int:
        """The member's declared uncompressed size (checked against the data when it is read to the end)."""
        return self._infos[name].file_size

    def tables_member(self, component_path: str = "") -> str | None:
        return self._tables_members.get(component_path)

    # -- raw access ---------------------------------------------------------------------------------

    def open_member(self, name: str) -> MemberStream:
        """A raw stream of one member; reading it to the end checks its size and CRC-32."""
        stream = MemberStream(self.path, self._infos[name])
        self._streams.add(stream)
        return stream

    def iter_member_lines(self, name: str) -> Iterator[tuple[int, bytes]]:
        """(1-based line number, line without its line ending) for a JSONL member, read incrementally;
        a line past MAX_LINE_BYTES raises ArchiveError ("LineTooLong") before it is held whole."""
        with self.open_member(name) as stream:
            for line_no, raw in split_lines(iter(lambda: stream.read_chunk(_LINE_CHUNK), b""), name):
                yield line_no, checked_line(name, line_no, raw)

    def iter_line_blocks(self, name: str) -> Generator[tuple[int, list[bytes]], None, None]:
        """The lines of a JSONL member in blocks: (number of the block's first line, its lines), each
        line with exactly one b"\\n" at its end. The checks and the `\\r` handling are those of
        iter_member_lines; a problem line ends the block before it, then raises."""
        for first, body in self.iter_line_bodies(name):
            lines, problem = split_body(name, first, body)
            if lines:
                yield first, lines
            if problem is not None:
                raise problem

    def iter_line_bodies(self, name: str) -> Generator[tuple[int, bytes], None, None]:
        """iter_line_blocks before the lines are split: (number of the first line, whole lines, the
        last one ending in b"\\n"); split_body splits and checks them."""
        with self.open_member(name) as stream:
            yield from line_bodies(iter(lambda: stream.read_chunk(CHUNK), b""), name)

    def count_lines(self, name: str) -> int:
        """Lines in a member without parsing them (reads it to the end, so size and CRC are checked; a
        line past MAX_LINE_BYTES raises ArchiveError)."""
        count = 0
        last = b"\n"
        guard = LineLengthGuard(name)
        with self.open_member(name) as stream:
            while chunk := stream.read_chunk(_LINE_CHUNK):
                guard.feed(chunk, count)
                count += chunk.count(b"\n")
                last = chunk[-1:]
        return count + (last != b"\n")

    # -- tables -------------------------------------------------------------------------------------

    def iter_lines(self, table: TableEntry) -> Iterator[tuple[int, bytes]]:
        return self.iter_member_lines(table.documents_member)

    def iter_documents(self, table: TableEntry) -> Generator[tuple[int, dict[str, Any]], None, None]:
        """(line number, decoded Convex document) for every line of the table."""
        for line_no, document, _ in self.iter_documents_with_ids(table):
            yield line_no, document

    def iter_documents_with_ids(
        self, table: TableEntry
    ) -> Generator[tuple[int, dict[str, Any], DocumentId | None], None, None]:
        """Like iter_documents, plus the decoded `_id` (None for documents without one)."""
        for line_no, raw in self.iter_lines(table):
            document, document_id = self.decode_line(table, line_no, raw)
            yield line_no, document, document_id

    @staticmethod
    def decode_line(table: TableEntry, line_no: int, raw: bytes) -> tuple[dict[str, Any], DocumentId | None]:
        """One line of the table -> (decoded document, its `_id` or None); ArchiveError if invalid."""
        decode: Callable[[Any], dict[str, Any]] = decode_export_document if table.uniform else decode_legacy_document
        member = table.documents_member
        with archive_errors(member, line_no):
            document = decode(orjson.loads(raw))
        if not isinstance(document, dict):  # a top-level {"$bytes": ...} decodes to a non-object
            message = f"expected an object, found a {type(document).__name__} value"
            raise ArchiveError("InvalidConvexValue", message, member=member, line=line_no)
        found = document_id(document, member, line_no)
        if len(raw) > UNMEASURED_LINE_BYTES:  # a shorter line cannot hold a document over the limit
            too_large = too_large_text(document_size(document))
            if too_large:
                raise ArchiveError("ValueTooLargeError", too_large, member=member, line=line_no)
        return document, found

    def tables_index(self, component_path: str = "") -> dict[str, int]:
        """Table name -> table number from the component's `_tables/documents.jsonl` ({} if absent)."""
        cached = self._tables_index_cache.get(component_path)
        if cached is not None:
            return dict(cached)
        member = self._tables_members.get(component_path)
        index: dict[str, int] = {}
        by_number: dict[int, str] = {}
        for line_no, raw in self.iter_member_lines(member) if member else ():
            assert member is not None  # lines come only from a member
            with archive_errors(member, line_no):
                row = orjson.loads(raw)
            name, number = tables_row(row, member, line_no)
            if name in index:
                raise ArchiveError("DuplicateTableName", f"table {name!r} is listed twice", member=member, line=line_no)
            if number in by_number:
                raise ArchiveError(
                    "InvalidId",
                    f"tables {by_number[number]!r} and {name!r} share the table number {number}",
                    member=member,
                    line=line_no,
                )
            index[name] = number
            by_number[number] = name
        self._tables_index_cache[component_path] = index
        return dict(index)

    # -- storage ------------------------------------------------------------------------------------

    def iter_storage_index(self, component_path: str = "") -> Iterator[tuple[int, dict[str, Any]]]:
        """(line number, metadata) for every line of the component's `_storage/documents.jsonl`."""
        entry = self.storage.get(component_path)
        if entry is None:
            return
        member = entry.index_member
        for line_no, raw in self.iter_member_lines(member):
            with archive_errors(member, line_no):
                row = orjson.loads(raw)
            check_storage_row(row, member, line_no)
            yield line_no, row

    def open_storage_file(self, component_path: str, storage_id: str) -> io.BufferedReader:
        """A readable binary stream of one stored file; reading it to the end checks size and CRC-32."""
        entry = self.storage.get(component_path)
        member = entry.files.get(storage_id) if entry else None
        if member is None:
            raise ArchiveError("MissingStorageFile", f"the archive has no file for storage id {storage_id!r}")
        return io.BufferedReader(self.open_member(member), buffer_size=64 * 1024)

    # -- lifecycle ----------------------------------------------------------------------------------

    def close(self) -> None:
        for stream in list(self._streams):
            stream.close()

    def __enter__(self) -> SnapshotReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _storage_entry(component: str, index_member: str, files: list[tuple[str, str]]) -> StorageEntry:
    entry = StorageEntry(component, index_member)
    for storage_id, name in files:
        try:
            decode_id(storage_id)
        except InvalidIdError as exc:
            raise ArchiveError("InvalidStorageId", f"{storage_id!r} is not a storage id: {exc}", member=name) from None
        if storage_id in entry.files:
            message = f"a file for {storage_id!r} is also in {entry.files[storage_id]!r}"
            raise ArchiveError("DuplicateId", message, member=name)
        entry.files[storage_id] = name
    return entry
