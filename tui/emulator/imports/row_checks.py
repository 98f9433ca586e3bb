"""The parse phase's checks of one table's lines: each row's `_id` table number, or the first bad row's
ImportFailure. The common case takes a few C calls; anything unusual gets every check in the reader's order.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from tui.archive.errors import ArchiveError
from tui.archive.ids import InvalidIdError, decode_id
from tui.archive.limits import UNMEASURED_LINE_BYTES
from tui.archive.lines import split_body
from tui.archive.reader import SnapshotReader, TableEntry
from tui.values.encoding import export_document_is_valid, legacy_document_is_valid
from tui.emulator.imports.failures import ImportFailure, failure, from_archive_error, row_failure


def id_number(document: dict[str, Any], line: int, table_name: str) -> int | None:
    if "_id" not in document:
        created = document.get("_creationTime")
        if created is not None:
            check_creation_time(created, line)
        return None
    text = document["_id"]
    try:
        number, _ = decode_id(text)
    except InvalidIdError as exc:
        raise failure("InvalidId", f"Invalid _id {text!r} in table {table_name!r} (row {line}): {exc}") from None
    if "_creationTime" in document:
        check_creation_time(document["_creationTime"], line)
    return number


def check_creation_time(value: Any, line: int, member: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        where = f"{member} line {line}: " if member else ""
        raise row_failure("InvalidConvexValue", line, f"{where}_creationTime must be a positive number, not {value!r}")


_ABSENT = object()


def check_lines(entry: TableEntry, first: int, lines: list[bytes]) -> tuple[list[int | None], ImportFailure | None]:
    """Check lines `first`, `first + 1`, ... of a table (each ending in its newline) as the parse
    phase does: the table number of each line's `_id` (None without one), up to the first bad line,
    and that line's ImportFailure (None when all are good)."""
    valid = export_document_is_valid if entry.uniform else legacy_document_is_valid
    loads, decode_error, number_of, inf = orjson.loads, orjson.JSONDecodeError, decode_id, math.inf
    short = UNMEASURED_LINE_BYTES + 1  # with its newline; a longer line's document size is measured
    numbers: list[int | None] = []
    add = numbers.append
    for raw in lines:
        # The common case in a few C calls; anything unusual goes through the full checks
        # (_check_line), which raise the precise error or accept the line after all.
        try:
            document = loads(raw)
        except decode_error:
            document = None
        if len(raw) <= short and valid(document):
            created = document.get("_creationTime")
            kind = type(created)
            if created is None or (kind is float and 0.0 < created < inf) or (kind is int and created > 0):
                text = document.get("_id", _ABSENT)
                if text is _ABSENT:
                    add(None)
                    continue
                if type(text) is str:
                    try:
                        add(number_of(text)[0])
                        continue
                    except InvalidIdError:
                        pass
        document = None  # the full checks parse the line again: a long one is not held twice
        try:
            # Without its newline, as the reader's lines (it changes some JSON messages).
            add(_check_line(entry, first + len(numbers), raw[:-1]))
        except ImportFailure as problem:
            return numbers, problem
    return numbers, None


def check_body(entry: TableEntry, first: int, body: bytes) -> tuple[list[int | None], ImportFailure | None]:
    """check_lines for a body of whole lines from SnapshotReader.iter_line_bodies."""
    lines, broken = split_body(entry.documents_member, first, body)
    numbers, problem = check_lines(entry, first, lines)
    if problem is None and broken is not None:
        problem = from_archive_error(broken)
    return numbers, problem


def _check_line(entry: TableEntry, line: int, raw: bytes) -> int | None:
    """One line, every check in the order the reader makes them; raises ImportFailure."""
    try:
        document, document_id = SnapshotReader.decode_line(entry, line, raw)
        created = document.get("_creationTime")
    except ArchiveError as err:
        raise from_archive_error(err) from None
    except TypeError:
        raise row_failure("InvalidConvexValue", line, "expected an object") from None
    if created is not None:
        check_creation_time(created, line, entry.documents_member)
    return document_id.table_number if document_id else None
