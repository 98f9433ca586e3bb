"""Splitting a member's inflated bytes into lines, and the checks every line gets first (no longer than
MAX_LINE_BYTES, no BOM on line 1, not empty; a `\r\n` ending is accepted)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tui.archive.errors import ArchiveError
from tui.archive.limits import MAX_LINE_BYTES, line_too_long_text

_BOM = b"\xef\xbb\xbf"


class LineLengthGuard:
    """Follows a member's lines chunk by chunk, keeping none of them, and raises ArchiveError
    ("LineTooLong") as soon as one grows past `limit` bytes: with the line's number when the caller
    says how many lines came before the chunk (counting them here would cost as much as inflating
    them), else with the byte where the line starts."""

    def __init__(self, member: str | None, limit: int = MAX_LINE_BYTES):
        self.member = member
        self.limit = limit
        self.length = 0  # of the current line so far
        self.fed = 0  # bytes before the current chunk

    def feed(self, chunk: bytes, lines_before: int | None = None) -> None:
        """`lines_before`: the newlines in the member before `chunk`, if the caller knows them."""
        first = chunk.find(b"\n")
        if first < 0:
            self.length += len(chunk)
            if self.length > self.limit:
                self._refuse(lines_before, 0, self.fed + len(chunk) - self.length)
            self.fed += len(chunk)
            return
        if self.length + first > self.limit:
            self._refuse(lines_before, 0, self.fed - self.length)
        last = chunk.rfind(b"\n")
        if last - first > self.limit:  # only a chunk longer than the limit can hold a whole long line
            start = first + 1
            for index, line in enumerate(chunk[first + 1 : last].split(b"\n"), start=1):
                if len(line) > self.limit:
                    self._refuse(lines_before, index, self.fed + start)
                start += len(line) + 1
        self.length = len(chunk) - last - 1
        if self.length > self.limit:
            self._refuse(lines_before, chunk.count(b"\n"), self.fed + last + 1)
        self.fed += len(chunk)

    def _refuse(self, lines_before: int | None, further: int, start: int) -> None:
        """`further`: how many newlines of this chunk come before the long line; `start`: its first byte."""
        message = line_too_long_text()
        line = None
        if lines_before is not None:
            line = lines_before + further + 1
        else:
            message = f"{message} (the line that starts at byte {start:,})"
        raise ArchiveError(
            "LineTooLong",
            message,
            member=self.member,
            line=line,
            hint="No Convex export holds such a line: the file is damaged, or was not written by Convex",
        )


def split_lines(chunks: Iterable[bytes], member: str | None = None) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line without its `\\n`) from a stream's chunks; a last line without its
    newline counts. A line past MAX_LINE_BYTES raises ArchiveError before it is held whole."""
    pending: list[bytes] = []
    line_no = 0
    guard = LineLengthGuard(member)
    for chunk in chunks:
        guard.feed(chunk, line_no)
        if b"\n" not in chunk:
            pending.append(chunk)
            continue
        lines = chunk.split(b"\n")
        tail = lines.pop()
        if pending:
            lines[0] = b"".join(pending) + lines[0]
            pending = []
        for raw in lines:
            line_no += 1
            yield line_no, raw
        if tail:
            pending.append(tail)
    if pending:
        yield line_no + 1, b"".join(pending)


def line_bodies(chunks: Iterator[bytes], member: str | None = None) -> Iterator[tuple[int, bytes]]:
    """iter_line_bodies over the member's inflated chunks; a line past MAX_LINE_BYTES raises
    ArchiveError before it is held whole."""
    line_no = 0  # lines before the current body
    pending: list[bytes] = []  # the start of a line that continues in the next chunk
    guard = LineLengthGuard(member)
    for chunk in chunks:
        guard.feed(chunk, line_no)
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
            "Utf8BomNotSupported",
            "the file starts with a UTF-8 byte order mark",
            member=member,
            line=1,
            hint="Save the file as UTF-8 without a BOM",
        )
    if raw.endswith(b"\r"):  # \r\n line endings are tolerated
        raw = raw[:-1]
    if not raw:
        message = "the line is empty; every line must hold one JSON object"
        raise ArchiveError("JsonInvalidRow", message, member=member, line=line_no, hint="Remove the empty line")
    return raw
