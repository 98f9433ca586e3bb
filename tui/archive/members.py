"""Safe access to ZIP members: name and size checks before any data is read, and a streaming inflater.

We inflate members ourselves instead of using `ZipFile.open`, because zipfile silently cuts the output
at the declared size: a member that inflates to more than it declares (a zip bomb that lies about its
size) must be reported, and one that inflates to less is truncated or damaged.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from tui.archive.errors import CORRUPT_HINT, ArchiveError, archive_errors

# Deflate cannot compress better than about 1032:1; anything claiming more is lying or hostile.
MAX_RATIO = 1100
DEFAULT_MAX_TOTAL_BYTES = 256 * 1024**3
CHUNK = 1 << 20
_RAW_CHUNK = 256 * 1024
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature .. extra length: 30 bytes
_DRIVE = re.compile(r"[A-Za-z]:")
_UTF8_FLAG = 0x800


def unsafe_name_problem(name: str) -> str | None:
    """Why an entry name could escape a folder it is extracted into, or None when it is safe."""
    if "\x00" in name:
        return "the entry name contains a NUL character"
    if "\\" in name:
        return "the entry name contains a backslash"
    if name.startswith("/"):
        return "the entry name is an absolute path"
    if _DRIVE.match(name):
        return "the entry name starts with a drive letter"
    if ".." in name.split("/"):
        return "the entry name contains a '..' segment"
    return None


def _name_length(info: zipfile.ZipInfo) -> int:
    try:
        return len(info.orig_filename.encode("utf-8" if info.flag_bits & _UTF8_FLAG else "cp437"))
    except UnicodeEncodeError:
        return len(info.orig_filename.encode("utf-8"))


def check_entries(infos: list[zipfile.ZipInfo], central_dir_offset: int, max_total_bytes: int) -> None:
    """Reject unsafe names, unsupported entries and anything that looks like a zip bomb, from the
    central directory alone."""
    total = 0
    for info in infos:
        name = info.orig_filename
        problem = unsafe_name_problem(name)
        if problem:
            raise ArchiveError("UnsafePath", f"{problem}; refusing to read this archive", member=name)
        if info.header_offset < 0:
            raise ArchiveError("InvalidZip", "the entry's offset is negative", member=name, hint=CORRUPT_HINT)
        if info.flag_bits & 0x1:
            raise ArchiveError("InvalidZip", "encrypted entries are not supported", member=name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ArchiveError(
                "InvalidZip",
                f"compression method {info.compress_type} is not supported (Convex snapshots use Deflate)",
                member=name,
            )
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise ArchiveError(
                "ZipBomb",
                f"an uncompressed entry declares {info.file_size} bytes but stores {info.compress_size}",
                member=name,
            )
        if info.file_size > MAX_RATIO * info.compress_size:
            raise ArchiveError(
                "ZipBomb",
                f"declares {info.file_size} bytes from {info.compress_size} compressed bytes, "
                f"a ratio Deflate cannot reach; refusing to inflate it",
                member=name,
            )
        total += info.file_size
        if total > max_total_bytes:
            raise ArchiveError(
                "ZipBomb",
                f"the entries declare more than {max_total_bytes} bytes in total, the limit for one archive",
                member=name,
            )
    # Entries whose data overlap each other are how non-recursive zip bombs reuse one payload.
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for current, following in zip(ordered, ordered[1:] + [None]):
        end = current.header_offset + _LOCAL_HEADER.size + _name_length(current) + current.compress_size
        if following is None:
            if end > central_dir_offset:
                raise ArchiveError(
                    "InvalidZip",
                    "the entry's data runs past the end of the archive",
                    member=current.orig_filename,
                    hint=CORRUPT_HINT,
                )
        elif end > following.header_offset:
            message = f"the entry's data overlaps the entry {following.orig_filename!r}"
            raise ArchiveError("ZipBomb", message, member=current.orig_filename)


class MemberStream(io.RawIOBase):
    """The bytes of one member, inflated incrementally; size and CRC-32 are checked when the end is read."""

    def __init__(self, path: str, info: zipfile.ZipInfo):
        super().__init__()
        self.name = info.filename
        self._info = info
        self._compressed_left = info.compress_size
        self._inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        self._produced = 0
        self._crc = 0
        self._done = False
        self._file = open(path, "rb")
        try:
            with archive_errors(self.name):
                self._skip_local_header()
        except BaseException:
            self._file.close()
            raise

    def readable(self) -> bool:
        return True

    def _skip_local_header(self) -> None:
        self._file.seek(self._info.header_offset)
        header = self._file.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise ArchiveError("InvalidZip", "the entry's local header is missing", member=self.name, hint=CORRUPT_HINT)
        fields = _LOCAL_HEADER.unpack(header)
        flags, name_length, extra_length = fields[2], fields[-2], fields[-1]
        raw_name = self._file.read(name_length)
        local_name = raw_name.decode("utf-8" if flags & _UTF8_FLAG else "cp437", errors="replace")
        if local_name != self._info.orig_filename:
            message = f"the entry's local header names {local_name!r} instead"
            raise ArchiveError("InvalidZip", message, member=self.name, hint=CORRUPT_HINT)
        self._file.seek(extra_length, io.SEEK_CUR)

    def _read_raw(self, size: int) -> bytes:
        if size <= 0:
            return b""
        data = self._file.read(size)
        if not data:
            raise ArchiveError("InvalidZip", "the archive ends inside this entry", member=self.name, hint=CORRUPT_HINT)
        self._compressed_left -= len(data)
        return data

    def read_chunk(self, size: int = CHUNK) -> bytes:
        """Up to `size` bytes (at least one unless the member is finished); b"" at the end."""
        if self._done:
            return b""
        size = max(1, size)
        with archive_errors(self.name):
            if self._inflater is None:
                data = self._read_raw(min(size, self._compressed_left))
            else:
                data = self._inflate(size)
            if not data:
                self._finish()
                return b""
            self._produced += len(data)
            if self._produced > self._info.file_size:
                raise ArchiveError(
                    "ZipBomb",
                    f"inflates to more than its declared {self._info.file_size} bytes: the file is damaged or a "
                    "zip bomb; refusing to read further",
                    member=self.name,
                    hint=CORRUPT_HINT,
                )
            self._crc = zlib.crc32(data, self._crc)
            return data

    def _inflate(self, size: int) -> bytes:
        inflater = self._inflater
        assert inflater is not None
        while not inflater.eof:
            raw = inflater.unconsumed_tail or self._read_raw(min(_RAW_CHUNK, self._compressed_left))
            # With all the input given, zlib may still hold output that did not fit in `size`.
            data = inflater.decompress(raw, size)
            if data:
                return data
            if not raw:
                raise ArchiveError(
                    "InvalidZip",
                    "the compressed data ends before the end of the entry",
                    member=self.name,
                    hint=CORRUPT_HINT,
                )
        return b""

    def _finish(self) -> None:
        self._done = True
        declared = self._info.file_size
        if self._produced != declared:
            raise ArchiveError(
                "InvalidZip",
                f"holds {self._produced} bytes but declares {declared}",
                member=self.name,
                hint=CORRUPT_HINT,
            )
        if self._crc != self._info.CRC:
            raise ArchiveError(
                "InvalidZip", "the CRC-32 check failed: the data is damaged", member=self.name, hint=CORRUPT_HINT
            )

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read_chunk(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read_to_end(self) -> int:
        """Read and discard the rest (checking size and CRC); return the member's size."""
        while self.read_chunk():
            pass
        return self._produced

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()
