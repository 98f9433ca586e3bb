"""Streaming writer for the snapshot ZIP: memory stays flat whatever the data size."""

from __future__ import annotations

import base64
import hashlib
import os
import time
import zipfile
import zlib
from types import ModuleType
from collections.abc import Iterable
from typing import IO, Any

import orjson

from tui.archive.layout import (
    DOCUMENTS_FILE,
    README_NAME,
    README_TEXT,
    SCHEMA_FILE,
    STORAGE_DIR,
    TABLES_DIR,
    UNIFORM_MARKER,
    component_prefix,
    storage_extension,
)
from tui.values.encoding import export_line

fast_zlib: ModuleType | None = None  # ISA-L's deflate: at level 1 about a sixth of zlib's CPU, no larger output
try:
    from isal import isal_zlib

    fast_zlib = isal_zlib
except ImportError:  # pragma: no cover - isal is a dependency; zlib still writes the same format
    pass

# Lines are gathered into chunks this big before they reach zlib: far fewer calls, same memory bound.
_CHUNK = 1 << 20


def _zipinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    return info


class _MemberWriter:
    """Buffered writes into one open ZIP member."""

    def __init__(self, handle: IO[bytes]):
        self._handle = handle
        self._buffer = bytearray()
        self.bytes_written = 0

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.bytes_written += len(data)
        if len(self._buffer) >= _CHUNK:
            self._handle.write(self._buffer)
            self._buffer.clear()

    def close(self) -> None:
        if self._buffer:
            self._handle.write(self._buffer)
            self._buffer.clear()
        self._handle.close()


class TableWriter:
    """Writes `<prefix><table>/documents.jsonl` line by line; `close()` adds the "uniform" marker."""

    def __init__(self, archive: SnapshotWriter, prefix: str, table: str):
        self._archive = archive
        self._schema_name = f"{prefix}{table}/{SCHEMA_FILE}"
        self._member = _MemberWriter(archive._open(f"{prefix}{table}/{DOCUMENTS_FILE}"))
        self.documents = 0

    def write_document(self, document: dict[str, Any]) -> None:
        self.write_line(export_line(document))

    def write_line(self, line: bytes) -> None:
        """An already-encoded export-JSON line ending in a newline (the emulator stores them so)."""
        self._member.write(line)
        self.documents += 1

    @property
    def bytes_written(self) -> int:
        return self._member.bytes_written

    def close(self) -> None:
        self._member.close()
        self._archive._write_small(self._schema_name, UNIFORM_MARKER)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SnapshotWriter:
    """Write members in Convex's order: README, `_tables` per component, tables, then `_storage`."""

    def __init__(self, target: str | os.PathLike[str] | IO[bytes], *, compresslevel: int = 1):
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel, allowZip64=True)
        self._compresslevel = compresslevel
        self._write_small(README_NAME, README_TEXT.encode())

    def _open(self, name: str, *, text: bool = True) -> IO[bytes]:
        info = _zipinfo(name)
        info._compresslevel = self._compresslevel  # type: ignore[attr-defined]  # zipfile reads it per member
        handle = self._zip.open(info, "w", force_zip64=True)
        # Deflate is deflate: zipfile's member writer takes any compressor with zlib's `compress`/`flush`.
        # Compressing JSON lines is nearly all of an export's CPU (README, "Tests and benchmarks": >= 0.8x
        # `zip -1`). Not for stored files: where bytes do not compress (media, archives), zlib writes them as
        # stored blocks, which a reader copies, while ISA-L codes them, which costs every download of the
        # ZIP more CPU to inflate than it saved here.
        if text and fast_zlib is not None and 1 <= self._compresslevel <= 3 and hasattr(handle, "_compressor"):
            handle._compressor = fast_zlib.compressobj(self._compresslevel, zlib.DEFLATED, -15)
        return handle

    def _write_small(self, name: str, data: bytes) -> None:
        with self._open(name) as handle:
            handle.write(data)

    def write_tables_index(self, component_path: str, tables: Iterable[tuple[str, int]]) -> None:
        """`_tables/documents.jsonl`: one {"name", "id"} line per user table, by table number."""
        lines = b"".join(
            orjson.dumps({"name": name, "id": number}) + b"\n" for name, number in sorted(tables, key=lambda t: t[1])
        )
        self._write_small(f"{component_prefix(component_path)}{TABLES_DIR}/{DOCUMENTS_FILE}", lines)

    def open_table(self, component_path: str, table: str) -> TableWriter:
        return TableWriter(self, component_prefix(component_path), table)

    def write_storage_index(self, component_path: str, entries: Iterable[dict[str, Any]]) -> int:
        """`_storage/documents.jsonl`; entries carry _id, _creationTime, sha256, size, contentType, internalId."""
        member = _MemberWriter(self._open(f"{component_prefix(component_path)}{STORAGE_DIR}/{DOCUMENTS_FILE}"))
        count = 0
        for entry in entries:
            member.write(storage_index_line(entry))
            count += 1
        member.close()
        return count

    def write_storage_file(
        self, component_path: str, storage_id: str, content_type: str | None, chunks: Iterable[bytes]
    ) -> tuple[int, str]:
        """Stream one file's bytes; returns (size, base64 sha256) as measured while writing."""
        name = f"{component_prefix(component_path)}{STORAGE_DIR}/{storage_id}{storage_extension(content_type)}"
        digest = hashlib.sha256()
        size = 0
        with self._open(name, text=False) as handle:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                handle.write(chunk)
        return size, base64.b64encode(digest.digest()).decode("ascii")

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_STORAGE_KEYS = ("_id", "_creationTime", "sha256", "size", "contentType", "internalId")


def storage_index_line(entry: dict[str, Any]) -> bytes:
    """Keys in the order Convex writes them."""
    ordered = {key: entry.get(key) for key in _STORAGE_KEYS if key in entry}
    return orjson.dumps(ordered) + b"\n"
