"""Is this snapshot ZIP intact? Every entry's CRC-32 and size, the central directory's agreement with the
entries, and every `_storage` file's sha256 and size against `_storage/documents.jsonl`.

This is the check a download must pass before it gets its final name, and the quick form of `verify`.
It does not decode documents (`tui.archive.verify.verify_archive` does, far more slowly): a file that
passes is exactly the file the server sent, undamaged, with no line too long to read; whether Convex
would accept every document in it is the full verification's question.

With a `StreamingZipCheck` that followed the whole download, nothing is inflated twice: only the central
directory and the small storage index are read from disk. Without one, every entry is read from disk.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from tui.archive.errors import CORRUPT_HINT, ArchiveError
from tui.archive.layout import classify_member
from tui.archive.lines import LineLengthGuard
from tui.archive.members import CHUNK
from tui.archive.reader import SnapshotReader
from tui.archive.rows import sha256_bytes
from tui.archive.stream_check import StreamedMember, StreamingZipCheck

Progress = Callable[[int, int], None]  # (entries checked, entries in all)


@dataclass(frozen=True)
class IntegrityReport:
    path: str
    entries: int
    uncompressed_bytes: int
    storage_files: int
    storage_bytes: int
    storage_missing: int  # index lines without their file (only when not strict)
    storage_unindexed: int  # files without an index line
    streamed: bool  # checked while downloading (else read back from disk)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_integrity(
    path: str | os.PathLike[str], *, strict_storage: bool = True, progress: Progress | None = None
) -> IntegrityReport:
    """Check a ZIP on disk. Raises `ArchiveError` at the first problem."""
    return finish_check(path, None, strict_storage=strict_storage, progress=progress)


def finish_check(
    path: str | os.PathLike[str],
    stream: StreamingZipCheck | None,
    *,
    strict_storage: bool = True,
    progress: Progress | None = None,
) -> IntegrityReport:
    """Complete the check of a finished file, using what `stream` saw while it was written (if anything)."""
    path = os.fspath(path)
    with SnapshotReader(path) as reader:  # the central directory, entry names, sizes, layout
        infos = _central_directory(path)
        streamed = stream is not None and stream.complete
        if stream is not None and streamed:
            members = _match_stream(infos, stream.members)
        else:
            members = _read_back(reader, infos, progress)
        if progress:
            progress(len(infos), len(infos))
        hashes: dict[str, tuple[bytes | None, int]] = {
            m.name: (m.sha256, m.size) for m in members if m.sha256 is not None
        }
        files, file_bytes, missing, unindexed = _check_storage(reader, hashes, strict_storage)
        return IntegrityReport(
            path=path,
            entries=len(infos),
            uncompressed_bytes=sum(m.size for m in members),
            storage_files=files,
            storage_bytes=file_bytes,
            storage_missing=missing,
            storage_unindexed=unindexed,
            streamed=streamed,
        )


def _central_directory(path: str) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:  # SnapshotReader already opened it once
        raise ArchiveError("InvalidZip", f"not a valid ZIP archive: {exc}", hint=CORRUPT_HINT) from None


def _match_stream(infos: list[zipfile.ZipInfo], seen: list[StreamedMember]) -> list[StreamedMember]:
    """Every central-directory entry must be an entry the stream checked, with the same facts."""
    by_offset = {member.offset: member for member in seen}
    matched = []
    for info in infos:
        member = by_offset.get(info.header_offset)
        name = info.orig_filename
        if member is None or member.name != name:
            raise ArchiveError(
                "InvalidZip",
                "the central directory points at data that is not this entry",
                member=name,
                hint=CORRUPT_HINT,
            )
        if (member.crc, member.size, member.compressed) != (info.CRC, info.file_size, info.compress_size):
            raise ArchiveError(
                "InvalidZip",
                "the central directory and the entry disagree about its CRC or size",
                member=name,
                hint=CORRUPT_HINT,
            )
        matched.append(member)
    return matched


def _read_back(reader: SnapshotReader, infos: list[zipfile.ZipInfo], progress: Progress | None) -> list[StreamedMember]:
    members = []
    for index, info in enumerate(infos):
        if info.is_dir():
            continue
        name = info.filename
        if progress:
            progress(index, len(infos))
        kind = classify_member(name)
        digest = hashlib.sha256() if kind.kind == "storage_file" else None
        # A line too long to import is refused; the entry is read again to say which line it is.
        lines = LineLengthGuard(name) if kind.is_jsonl else None
        size = 0
        with reader.open_member(name) as stream:  # reading to the end checks size and CRC-32
            while chunk := stream.read_chunk(CHUNK):
                size += len(chunk)
                if digest is not None:
                    digest.update(chunk)
                if lines is not None:
                    try:
                        lines.feed(chunk)
                    except ArchiveError:
                        reader.count_lines(name)  # raises the same refusal, with the line's number
                        raise
        members.append(
            StreamedMember(
                name, info.header_offset, info.CRC, info.compress_size, size, digest.digest() if digest else None
            )
        )
    return members


def _check_storage(
    reader: SnapshotReader, hashes: Mapping[str, tuple[bytes | None, int]], strict: bool
) -> tuple[int, int, int, int]:
    files = file_bytes = missing = unindexed = 0
    for component, entry in reader.storage.items():
        expected: dict[str, tuple[bytes | None, int | None, int]] = {}
        for line_no, row in reader.iter_storage_index(component):
            expected[row["_id"]] = (sha256_bytes(row.get("sha256")), row.get("size"), line_no)
        for storage_id, member in entry.files.items():
            digest, size = hashes.get(member, (None, 0))
            files += 1
            file_bytes += size
            if storage_id not in expected:
                unindexed += 1
                continue
            sha256, declared, line_no = expected.pop(storage_id)
            if sha256 is not None and digest != sha256:
                raise ArchiveError(
                    "Sha256Mismatch",
                    f"the file's sha256 differs from line {line_no} of {entry.index_member}",
                    member=member,
                    hint="The file or its metadata is damaged",
                )
            if isinstance(declared, int) and declared != size:
                raise ArchiveError(
                    "StorageSizeMismatch",
                    f"the file has {size} bytes but line {line_no} of {entry.index_member} says {declared}",
                    member=member,
                )
        if expected and strict:
            storage_id, (_, _, line_no) = min(expected.items(), key=lambda item: item[1][2])
            raise ArchiveError(
                "MissingStorageFile",
                f"the archive has no file for storage id {storage_id!r}",
                member=entry.index_member,
                line=line_no,
                hint="Convex would silently drop this file on import",
            )
        missing += len(expected)
    return files, file_bytes, missing, unindexed
