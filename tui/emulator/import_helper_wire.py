"""The helper process's pipe format (see import_helper): frames of rows from the helper, blocks of lines
to it in the parse phase and its answers. Binary and flat, so that packing costs little next to the work
it shares.
"""

from __future__ import annotations

import struct
from array import array
from itertools import accumulate
from operator import itemgetter
from typing import Any, BinaryIO

FRAME = struct.Struct("<cII")  # kind, rows, payload bytes
ROWS, ERROR, END = b"R", b"E", b"D"
LINES = struct.Struct("<cQI")  # kind, first line number, bytes of whole lines that follow
ANSWER = struct.Struct("<QII")  # first line number, rows checked, payload bytes
_ID, _CREATED, _LINE = itemgetter(0), itemgetter(1), itemgetter(2)


# A block of rows: flags (one byte a row: 1 = a line left as it is), only when some row has one;
# the `_id`s of the other rows joined by "\n"; their `_creationTime`s (float64 each); the length of
# every row's line (uint32 each); every line. Each part is preceded by its length (uint32).
_PART = struct.Struct("<I")


def pack_rows(items: list[Any]) -> bytes:
    if set(map(type, items)) <= {tuple}:
        flags = b""
        rows = items
    else:
        flags = bytes(type(item) is not tuple for item in items)
        rows = [item for item in items if type(item) is tuple]
    lines = [item if type(item) is bytes else item[2] for item in items] if flags else list(map(_LINE, rows))
    parts = [
        flags,
        "\n".join(map(_ID, rows)).encode("ascii"),
        array("d", map(_CREATED, rows)).tobytes(),
        array("I", map(len, lines)).tobytes(),
        b"".join(lines),
    ]
    out = bytearray()
    for part in parts:
        out += _PART.pack(len(part))
        out += part
    return bytes(out)


def unpack_rows(count: int, payload: bytes) -> list[Any]:
    parts = []
    offset = 0
    view = memoryview(payload)
    for _ in range(5):
        (size,) = _PART.unpack_from(payload, offset)
        offset += _PART.size
        parts.append(view[offset : offset + size])
        offset += size
    flags, ids_part, created_part, lengths_part, lines_part = parts
    ids = bytes(ids_part).decode("ascii").split("\n") if len(ids_part) else []
    created = array("d")
    created.frombytes(created_part)
    lengths = array("I")
    lengths.frombytes(lengths_part)
    blob = bytes(lines_part)
    ends = list(accumulate(lengths))
    lines = list(map(blob.__getitem__, map(slice, [0, *ends[:-1]], ends)))
    if not len(flags):
        return list(zip(ids, created.tolist(), lines))
    fast = iter(zip(ids, created.tolist()))
    out: list[Any] = []
    for flag, line in zip(bytes(flags), lines):
        if flag:
            out.append(line)
        else:
            doc_id, when = next(fast)
            out.append((doc_id, when, line))
    return out


def read_frame(stream: BinaryIO) -> tuple[bytes, int, bytes] | None:
    try:
        head = stream.read(FRAME.size)
        if len(head) != FRAME.size:
            return None
        kind, count, size = FRAME.unpack(head)
        payload = stream.read(size) if size else b""
    except (OSError, ValueError):
        return None
    if len(payload) != size or kind not in (ROWS, ERROR, END):
        return None
    return kind, count, payload
