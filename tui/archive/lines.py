"""Splitting a member's inflated bytes into lines, and the checks every line gets first (a BOM on line 1,
an empty line, a `\r\n` ending)."""

from __future__ import annotations

from collections.abc import Iterator

from tui.archive.errors import ArchiveError

_BOM = b"\xef\xbb\xbf"


def line_bodies(chunks: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    """iter_line_bodies over the member's inflated chunks."""
    line_no = 0  # lines before the current body
    pending: list[bytes] = []  # the start of a line that continues in the next chunk
    for chunk in chunks:
        cut = chunk.rfind(b"\n")
        if cut < 0:
            pending.append(chunk)
            continue
        body = chunk[: cut + 1] if cut + 1 < len(chunk) else chunk
        if pending:
            pending.append(body)
            body = b"".join(pending)
            pending.clear()
        if cut + 1 < len(chunk):
            pending.append(chunk[cut + 1 :])
        yield line_no + 1, body
        line_no += body.count(b"\n")
    if pending:  # a last line without its newline is accepted
        yield line_no + 1, b"".join(pending) + b"\n"


def split_body(name: str, first: int, body: bytes) -> tuple[list[bytes], ArchiveError | None]:
    """The lines of a body from iter_line_bodies, each ending in one b"\\n" (a `\\r` before it is
    removed); with a problem line (line 1 starting with a BOM, an empty line), the lines before it
    and its error."""
    if b"\r" in body:
        lines = [(p[:-1] if p.endswith(b"\r") else p) + b"\n" for p in body.split(b"\n")[:-1]]
    else:
        lines = body.splitlines(keepends=True)  # one C call; with no \r it splits at \n only
    if first == 1 and lines[0].startswith(_BOM):
        try:
            checked_line(name, 1, lines[0])
        except ArchiveError as problem:
            return [], problem
    if b"\n" in lines:  # an empty line
        bad = lines.index(b"\n")
        try:
            checked_line(name, first + bad, b"")
        except ArchiveError as problem:
            return lines[:bad], problem
    return lines, None


def checked_line(member: str, line_no: int, raw: bytes) -> bytes:
    if line_no == 1 and raw.startswith(_BOM):
        raise ArchiveError(
            "Utf8BomNotSupported", "the file starts with a UTF-8 byte order mark", member=member, line=1,
            hint="Save the file as UTF-8 without a BOM",
        )
    if raw.endswith(b"\r"):  # \r\n line endings are tolerated
        raw = raw[:-1]
    if not raw:
        message = "the line is empty; every line must hold one JSON object"
        raise ArchiveError("JsonInvalidRow", message, member=member, line=line_no, hint="Remove the empty line")
    return raw
