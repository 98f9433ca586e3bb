"""Checks a snapshot ZIP while it downloads: the bytes are fed in order, as they arrive, and every entry's
data is inflated and compared with its CRC-32 and size; `_storage/<id>` files are hashed (sha256) on the
way. No byte is read twice and memory stays flat (output is produced in bounded pieces).

This only sees the local entries. `integrity.finish_check` then reads the central directory of
the finished file and requires it to describe exactly the entries seen here (names, offsets, CRCs,
sizes), and compares the storage hashes with `_storage/documents.jsonl`.

Layouts the stream cannot follow (an uncompressed entry whose size comes only after its data, an
encrypted entry, an unknown method or signature) make the check step aside (`abandoned`): the finished
file is then checked from disk instead, which is slower but equally strict. A JSONL entry's lines are
followed too: one too long to import is refused (`tui.archive.limits`).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass
from types import ModuleType

from tui.archive.errors import CORRUPT_HINT, ArchiveError
from tui.archive.layout import classify_member
from tui.archive.lines import LineLengthGuard
from tui.archive.members import MAX_RATIO

fast_zlib: ModuleType = zlib  # isal_zlib offers zlib's interface
try:  # ISA-L inflates and computes CRC-32 two to four times faster than zlib; used when installed
    from isal import isal_zlib

    fast_zlib = isal_zlib
except ImportError:  # pragma: no cover - depends on the environment
    pass

_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # signature .. extra length: 30 bytes
_SIG_LOCAL = b"PK\x03\x04"
_SIG_DESCRIPTOR = b"PK\x07\x08"
_ENDS = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06")  # central directory, end records
_ZIP64_EXTRA = 0x0001
_UTF8_FLAG = 0x800
_DESCRIPTOR_FLAG = 0x08
_ENCRYPTED_FLAG = 0x01
_MASK32 = 0xFFFFFFFF
OUTPUT_CHUNK = 1 << 20  # the most one inflate call produces (memory stays flat)
# The most one inflate call is given: a quarter of the output room, so that data which barely compresses
# (stored files) or compresses as documents do never fills it. A full output makes zlib copy the unused
# input aside and costs another call: at 1:1 that doubled the time spent inflating.
INPUT_PIECE = OUTPUT_CHUNK // 4


@dataclass(frozen=True)
class StreamedMember:
    name: str
    offset: int  # of its local header
    crc: int
    compressed: int
    size: int
    sha256: bytes | None  # for `_storage/` files


class StreamingZipCheck:
    """Feed the archive's bytes in order with `feed`; read `members`, `complete` and `abandoned` after."""

    def __init__(self) -> None:
        self.members: list[StreamedMember] = []
        self.complete = False  # reached the central directory with every entry checked
        self.abandoned: str | None = None  # why the stream check stepped aside
        self.position = 0  # bytes fed so far
        self._need = 30
        self._head = bytearray()
        self._state = "local"
        self._entry: _Entry | None = None

    @property
    def active(self) -> bool:
        return not self.complete and self.abandoned is None

    def feed(self, data: bytes) -> None:
        """Raises `ArchiveError` as soon as an entry fails its check."""
        if not self.active:
            self.position += len(data)
            return
        view = memoryview(data)
        start = self.position
        i = 0
        while i < len(view) and self.active:
            if self._state == "data":
                i = self._data(view, i, start + i)
                continue
            take = min(self._need - len(self._head), len(view) - i)
            self._head += view[i : i + take]
            i += take
            if len(self._head) == self._need:
                self._header_complete(start + i)
        self.position += len(data)

    # -- headers --------------------------------------------------------------------------------------
    def _header_complete(self, at: int) -> None:
        state, head = self._state, bytes(self._head)
        self._head.clear()
        if state == "local":
            self._local_header(head, at - 30)
        elif state == "names":
            self._names(head)
        elif state == "descriptor":
            self._descriptor(head)

    def _local_header(self, head: bytes, offset: int) -> None:
        signature = head[:4]
        if signature in _ENDS:
            self.complete = True
            return
        if signature != _SIG_LOCAL:
            self.abandoned = f"unexpected bytes at offset {offset}"
            return
        _, _, flags, method, _, _, crc, compressed, size, name_length, extra_length = _LOCAL.unpack(head)
        if flags & _ENCRYPTED_FLAG or method not in (0, 8):
            self.abandoned = "an entry is encrypted or uses an unusual compression method"
            return
        self._entry = _Entry(offset, flags, method, crc, compressed, size, name_length)
        self._state, self._need = "names", name_length + extra_length
        if self._need == 0:
            self._names(b"")

    def _names(self, head: bytes) -> None:
        entry = self._entry
        assert entry is not None
        raw_name, extra = head[: entry.name_length], head[entry.name_length :]
        entry.name = raw_name.decode("utf-8" if entry.flags & _UTF8_FLAG else "cp437", errors="replace")
        entry.read_zip64(extra)
        if entry.has_descriptor and entry.method == 0:
            self.abandoned = "an uncompressed entry gives its size only after its data"
            return
        kind = classify_member(entry.name)
        entry.begin(kind.kind == "storage_file", kind.is_jsonl)
        self._state = "data"
        if entry.method == 0 and entry.compressed == 0:
            self._entry_done()

    def _descriptor(self, head: bytes) -> None:
        entry = self._entry
        assert entry is not None
        if self._need in (12, 20) and head[:4] == _SIG_DESCRIPTOR and not entry.descriptor_signed:
            entry.descriptor_signed = True  # the optional signature: the fields follow (4 more bytes)
            self._head += head[4:]
            return
        width = 8 if entry.zip64 else 4
        fields = head[-(4 + 2 * width) :]
        entry.crc = int.from_bytes(fields[:4], "little")
        entry.compressed = int.from_bytes(fields[4 : 4 + width], "little")
        entry.size = int.from_bytes(fields[4 + width :], "little")
        self._finish_entry()

    # -- data -----------------------------------------------------------------------------------------
    def _data(self, view: memoryview, i: int, at: int) -> int:
        entry = self._entry
        assert entry is not None
        if entry.method == 0:
            take = min(entry.compressed - entry.consumed, len(view) - i)
            entry.output(view[i : i + take])
            entry.consumed += take
            if entry.consumed == entry.compressed:
                self._entry_done()
            return i + take
        end = len(view) if entry.has_descriptor else i + (entry.compressed - entry.consumed)
        piece = view[i : min(end, i + INPUT_PIECE)]
        used = entry.inflate(piece)
        if entry.inflater.eof:
            self._entry_done()
        elif not entry.has_descriptor and entry.consumed == entry.compressed:
            raise ArchiveError(
                "InvalidZip",
                "the compressed data ends before the end of the entry",
                member=entry.name,
                hint=CORRUPT_HINT,
            )
        return i + used

    def _entry_done(self) -> None:
        entry = self._entry
        assert entry is not None
        if entry.has_descriptor:
            self._state, self._need = "descriptor", (20 if entry.zip64 else 12)
            return
        self._finish_entry()

    def _finish_entry(self) -> None:
        entry = self._entry
        assert entry is not None
        entry.check()
        self.members.append(
            StreamedMember(entry.name, entry.offset, entry.crc, entry.consumed, entry.produced, entry.digest())
        )
        self._entry = None
        self._state, self._need = "local", 30


class _Entry:
    """One local entry being checked."""

    def __init__(self, offset: int, flags: int, method: int, crc: int, compressed: int, size: int, name_length: int):
        self.offset, self.flags, self.method = offset, flags, method
        self.crc, self.compressed, self.size = crc, compressed, size
        self.name_length = name_length
        self.name = ""
        self.zip64 = False
        self.descriptor_signed = False
        self.consumed = 0  # compressed bytes read
        self.produced = 0  # uncompressed bytes
        self.running_crc = 0
        self.inflater = fast_zlib.decompressobj(-15)
        self._sha: hashlib._Hash | None = None
        self._lines: LineLengthGuard | None = None

    @property
    def has_descriptor(self) -> bool:
        return bool(self.flags & _DESCRIPTOR_FLAG)

    def read_zip64(self, extra: bytes) -> None:
        at = 0
        while at + 4 <= len(extra):
            kind, length = struct.unpack_from("<HH", extra, at)
            body = extra[at + 4 : at + 4 + length]
            if kind == _ZIP64_EXTRA:
                self.zip64 = True
                values = [int.from_bytes(body[j : j + 8], "little") for j in range(0, len(body) - 7, 8)]
                if self.size == _MASK32 and values:
                    self.size = values.pop(0)
                if self.compressed == _MASK32 and values:
                    self.compressed = values.pop(0)
            at += 4 + length

    def begin(self, hash_it: bool, has_lines: bool) -> None:
        self._sha = hashlib.sha256() if hash_it else None
        # A line too long to import is refused (by the byte it starts at: counting lines would cost as
        # much as inflating them).
        self._lines = LineLengthGuard(self.name) if has_lines else None

    def output(self, data: memoryview | bytes) -> None:
        if not data:
            return
        self.produced += len(data)
        if not self.has_descriptor and self.produced > self.size:
            raise ArchiveError(
                "ZipBomb",
                f"inflates to more than its declared {self.size} bytes: the file is damaged or a zip bomb",
                member=self.name,
                hint=CORRUPT_HINT,
            )
        self.running_crc = fast_zlib.crc32(data, self.running_crc)
        if self._sha is not None:
            self._sha.update(data)
        if self._lines is not None:
            self._lines.feed(data if isinstance(data, bytes) else bytes(data))

    def inflate(self, piece: memoryview) -> int:
        """Inflate from `piece`; returns how many of its bytes belong to this entry."""
        inflater = self.inflater
        data: bytes | memoryview = piece
        try:
            while True:
                out = inflater.decompress(data, OUTPUT_CHUNK)
                self.output(out)
                if inflater.eof:
                    break
                # zlib hands back the input it could not use yet; ISA-L keeps it and holds the output back:
                # either way, ask again while the output came out full.
                data = inflater.unconsumed_tail
                if not data and len(out) < OUTPUT_CHUNK:
                    break
        except (zlib.error, fast_zlib.error) as exc:
            raise ArchiveError(
                "InvalidZip", f"the compressed data is damaged: {exc}", member=self.name, hint=CORRUPT_HINT
            ) from None
        used = len(piece) - len(inflater.unused_data) if inflater.eof else len(piece)
        self.consumed += used
        return used

    def check(self) -> None:
        if self.method == 8 and self.compressed != self.consumed:
            raise ArchiveError(
                "InvalidZip",
                f"holds {self.consumed} compressed bytes but declares {self.compressed}",
                member=self.name,
                hint=CORRUPT_HINT,
            )
        if self.produced != self.size:
            raise ArchiveError(
                "InvalidZip",
                f"holds {self.produced} bytes but declares {self.size}",
                member=self.name,
                hint=CORRUPT_HINT,
            )
        if self.produced > MAX_RATIO * max(self.consumed, 1):
            raise ArchiveError("ZipBomb", "inflates further than Deflate can compress", member=self.name)
        if self.running_crc != self.crc:
            raise ArchiveError(
                "InvalidZip", "the CRC-32 check failed: the data is damaged", member=self.name, hint=CORRUPT_HINT
            )

    def digest(self) -> bytes | None:
        return self._sha.digest() if self._sha is not None else None
