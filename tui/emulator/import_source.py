"""The uploaded file as tables of rows, whatever its format (spec 6.1, 6.10, 7), read as a stream.

A ZIP is read with the archive package's `SnapshotReader`; CSV, JSONL and JSON-array files hold one
table. Every problem becomes an `ImportFailure` carrying the text Convex would store in
`state.error_message` (row-level errors without the "Hit an error while importing:" prefix).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tui.archive.errors import ArchiveError
from tui.archive.ids import InvalidIdError, decode_id
from tui.archive.members import CHUNK
from tui.archive.names import field_name_problem
from tui.archive.reader import SnapshotReader, TableEntry, split_body
from tui.archive.values import (
    ConvexValueError,
    decode_encoded_value,
    decode_export_document,
    decode_legacy_document,
    export_document_is_valid,
    legacy_document_is_valid,
)
from tui.emulator import import_helper
from tui.emulator.imports import ERROR_PREFIX

JSON_ARRAY_LIMIT = 16 * 1024 * 1024  # TRANSACTION_MAX_USER_WRITE_SIZE_BYTES
_BOM = b"\xef\xbb\xbf"
_CSV_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)\Z", re.I)


class ImportFailure(Exception):
    """A problem with the user's data: the import fails with `text` as its error message."""

    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


def failure(code: str, message: str) -> ImportFailure:
    """A structured error: Convex prefixes its message with "Hit an error while importing:"."""
    return ImportFailure(code, ERROR_PREFIX + message)


def row_failure(code: str, line: int, message: str) -> ImportFailure:
    """A row-level parse error (`Row N ...`), stored without the prefix."""
    if code == "JsonInvalidRow":
        return ImportFailure(code, f"Row {line} wasn't valid JSON: {message}")
    if code == "NotAnObject":
        return ImportFailure(code, f"Row {line} wasn't an object: {message}")
    return ImportFailure(code, f"Row {line} wasn't a valid Convex value: {message}")


def table_exists(table: str) -> ImportFailure:
    return ImportFailure(
        "TableExists", f"Table {table} already exists. Please choose a new table name or use replace/append modes."
    )


def from_archive_error(err: ArchiveError) -> ImportFailure:
    if err.line is not None and err.code in ("JsonInvalidRow", "InvalidConvexValue"):
        return row_failure(err.code, err.line, str(err))
    return failure(err.code, str(err))


def join_component(base: str, inner: str) -> str:
    return "/".join(p for p in (base, inner) if p)


@dataclass(frozen=True)
class SourceTable:
    component: str  # full component path, "" for the root
    name: str
    entry: Any  # the format's handle on the rows; None for a table only listed in `_tables`


class Source:
    """Common interface; see ZipSource for the meaning of each method."""

    tables: list[SourceTable]
    storage_components: list[str]

    def pinned(self, component: str) -> dict[str, int]:
        return {}

    def scan(self, table: SourceTable) -> Iterator[tuple[int, int | None]]:
        """Validate every row: (line, table number of its `_id` or None)."""
        for line, document in self.documents(table):
            yield line, _id_number(document, line, table)

    def documents(self, table: SourceTable) -> Iterator[tuple[int, dict[str, Any]]]:
        raise NotImplementedError

    def row_blocks(self, table: SourceTable) -> Iterator[list[tuple[str, float, bytes] | dict[str, Any]]]:
        """The rows to store, a block at a time: (`_id`, `_creationTime`, line with its newline) for a
        line stored as it is, else the decoded document (to be completed and encoded)."""
        block: list[tuple[str, float, bytes] | dict[str, Any]] = []
        for _, document in self.documents(table):
            block.append(document)
            if len(block) >= 1000:
                yield block
                block = []
        if block:
            yield block

    def close(self) -> None:
        pass

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _id_number(document: dict[str, Any], line: int, table: SourceTable) -> int | None:
    if "_id" not in document:
        created = document.get("_creationTime")
        if created is not None:
            _check_creation_time(created, line)
        return None
    text = document["_id"]
    try:
        number, _ = decode_id(text)
    except InvalidIdError as exc:
        raise failure("InvalidId", f"Invalid _id {text!r} in table {table.name!r} (row {line}): {exc}") from None
    if "_creationTime" in document:
        _check_creation_time(document["_creationTime"], line)
    return number


def _check_creation_time(value: Any, line: int, member: str = "") -> None:
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
    numbers: list[int | None] = []
    add = numbers.append
    for raw in lines:
        # The common case in a few C calls; anything unusual goes through the full checks
        # (_check_line), which raise the precise error or accept the line after all.
        try:
            document = loads(raw)
        except decode_error:
            document = None
        if valid(document):
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
        _check_creation_time(created, line, entry.documents_member)
    return document_id.table_number if document_id else None


def _all_tuples(items: list) -> bool:
    return set(map(type, items)) <= {tuple}


# `{"_creationTime":<JSON number>,"_id":"<id characters>"` then `,` or `}`; group 2 is the fraction
# or exponent that makes the number a float.
_ROW_HEAD = re.compile(
    rb'\{"_creationTime":(-?(?:0|[1-9][0-9]*)((?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)),"_id":"([0-9a-z]+)"[,}]'
)


def open_source(path: Path, fmt: dict[str, Any], component_path: str | None) -> Source:
    base = component_path or ""
    kind = fmt["format"]
    if kind == "zip":
        return ZipSource(path, base)
    if kind == "jsonl":
        return JsonLinesSource(path, fmt["table"], base)
    if kind == "json_array":
        return JsonArraySource(path, fmt["table"], base)
    if kind == "csv":
        return CsvSource(path, fmt["table"], base)
    raise failure("ImportFailed", f"unknown import format {kind!r}")


# -- ZIP --------------------------------------------------------------------------------------------


class ZipSource(Source):
    def __init__(self, path: Path, base: str):
        try:
            self.reader = SnapshotReader(path)
        except ArchiveError as err:
            raise from_archive_error(err) from None
        except OSError as err:
            raise failure("InvalidZip", f"cannot read the uploaded file: {err.strerror}") from None
        self.base = base
        self._inner = {join_component(base, c): c for c in self.reader.components}
        self._pinned: dict[str, dict[str, int]] = {}
        self.tables = []
        try:
            for full, inner in self._inner.items():
                self._pinned[full] = self.reader.tables_index(inner)
            seen = set()
            for entry in self.reader.tables:
                full = join_component(base, entry.component_path)
                self.tables.append(SourceTable(full, entry.name, entry))
                seen.add((full, entry.name))
            for full, index in self._pinned.items():
                for name in index:
                    if (full, name) not in seen:  # listed in `_tables` without documents: an empty table
                        self.tables.append(SourceTable(full, name, None))
        except ArchiveError as err:
            raise from_archive_error(err) from None
        self.storage_components = [join_component(base, c) for c in self.reader.storage]

    def pinned(self, component: str) -> dict[str, int]:
        return dict(self._pinned.get(component, {}))

    def scan(self, table: SourceTable) -> Iterator[tuple[int, int | None]]:
        if table.entry is None:
            return
        line = 0
        try:
            with closing(self.reader.iter_documents_with_ids(table.entry)) as rows:
                for line, document, doc_id in rows:
                    if not isinstance(document, dict):
                        raise row_failure("InvalidConvexValue", line, "expected an object")
                    created = document.get("_creationTime")
                    if created is not None:
                        _check_creation_time(created, line, table.entry.documents_member)
                    yield line, doc_id.table_number if doc_id else None
        except ArchiveError as err:
            raise from_archive_error(err) from None
        except TypeError:  # the reader met a line that decodes to a non-object ({"$bytes": ...})
            raise row_failure("InvalidConvexValue", line + 1, "expected an object") from None

    def documents(self, table: SourceTable) -> Iterator[tuple[int, dict[str, Any]]]:
        if table.entry is None:
            return
        try:
            yield from self.reader.iter_documents(table.entry)
        except ArchiveError as err:
            raise from_archive_error(err) from None

    def table_size(self, table: SourceTable) -> int:
        """Uncompressed bytes of the table's documents.jsonl (0 for a table without one)."""
        return table.entry.size if table.entry is not None else 0

    def scan_blocks(self, table: SourceTable) -> Iterator[tuple[int, list[int | None]]]:
        """scan() a block of lines at a time: (first line, the table number of each line's `_id`).
        A bad line ends the block before it and then raises, so problems surface in line order."""
        entry: TableEntry | None = table.entry
        if entry is None:
            return
        try:
            bodies = self.reader.iter_line_bodies(entry.documents_member)
            with closing(bodies):
                for first, body in bodies:
                    numbers, problem = check_body(entry, first, body)
                    if numbers:
                        yield first, numbers
                    if problem is not None:
                        raise problem
        except ArchiveError as err:
            raise from_archive_error(err) from None

    def row_blocks(self, table: SourceTable) -> Iterator[list[tuple[str, float, bytes] | dict[str, Any]]]:
        """The rows to store, a block at a time: (`_id`, `_creationTime`, line with its newline) for a
        line stored as it is, else the decoded document (to be completed and encoded).

        A large table is read by a helper process (import_helper), so that this process only writes.
        """
        if table.entry is None:
            return
        if table.entry.size >= import_helper.HELPER_MIN_BYTES:
            yield from import_helper.row_blocks(self, table)
        else:
            yield from self.local_row_blocks(table)

    def local_row_blocks(
        self, table: SourceTable, skip: int = 0
    ) -> Iterator[list[tuple[str, float, bytes] | dict[str, Any]]]:
        """row_blocks, read here; the first `skip` rows are left out."""
        entry: TableEntry | None = table.entry
        if entry is None:
            return
        for items in self.stored_items(table, skip):
            if not _all_tuples(items):
                items = [item if type(item) is tuple else self.finish_row(entry, item) for item in items]
            yield items

    def stored_items(self, table: SourceTable, skip: int = 0) -> Iterator[list[tuple[str, float, bytes] | bytes]]:
        """Like row_blocks, but a line that needs more than a glance is left as it is (bytes), for
        finish_row: (`_id`, `_creationTime`, line) for a line that certainly starts with
        `{"_creationTime":<float>,"_id":"<id>"` (no JSON parsing needed), else the line.

        The file was fully checked in the parse phase, so a complete uniform line is stored as is.
        """
        entry: TableEntry | None = table.entry
        if entry is None:
            return
        head, isfinite = _ROW_HEAD.match, math.isfinite
        try:
            blocks = self.reader.iter_line_blocks(entry.documents_member)
            with closing(blocks):
                for first, lines in blocks:
                    if first <= skip:
                        if first + len(lines) - 1 <= skip:
                            continue
                        lines = lines[skip - first + 1 :]
                    if not entry.uniform:
                        yield lines
                        continue
                    out: list[tuple[str, float, bytes] | bytes] = []
                    add = out.append
                    for raw in lines:
                        match = head(raw)
                        # Taken only when the prefix is certainly what JSON parsing would give: a
                        # float (it has a '.' or an exponent), an id with no escapes, and no second
                        # `_creationTime` or `_id` key later on the line (the last one would win).
                        if match is not None and match[2] and raw.find(b'"_id"', match.end()) == -1 and (
                            raw.find(b'"_creationTime"', match.end()) == -1
                        ):
                            created = float(match[1])
                            if isfinite(created):
                                add((match[3].decode(), created, raw))
                                continue
                        add(raw)
                    yield out
        except ArchiveError as err:
            raise from_archive_error(err) from None

    @staticmethod
    def finish_row(entry: TableEntry, raw: bytes) -> tuple[str, float, bytes] | dict[str, Any]:
        """A line stored_items left as it is -> (`_id`, `_creationTime`, line) or the decoded document."""
        try:
            obj = orjson.loads(raw[:-1])  # without the newline, which changes some JSON messages
            if entry.uniform:
                if type(obj.get("_creationTime")) is float and isinstance(obj.get("_id"), str):
                    return obj["_id"], obj["_creationTime"], raw
                return decode_export_document(obj)
            return decode_legacy_document(obj)
        except (orjson.JSONDecodeError, ConvexValueError) as err:  # the file changed since it was parsed
            raise failure("InvalidZip", f"{entry.documents_member}: {err}") from None

    def storage_index(self, component: str) -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            yield from self.reader.iter_storage_index(self._inner[component])
        except ArchiveError as err:
            raise from_archive_error(err) from None

    def storage_files(self, component: str) -> dict[str, str]:
        return dict(self.reader.storage[self._inner[component]].files)

    def storage_file_size(self, member: str) -> int:
        return self.reader.member_size(member)

    def storage_chunks(self, member: str) -> Iterator[bytes]:
        """The file's bytes; reading to the end checks the member's size and CRC-32."""
        try:
            with self.reader.open_member(member) as stream:
                while chunk := stream.read_chunk(CHUNK):
                    yield chunk
        except ArchiveError as err:
            raise from_archive_error(err) from None

    def close(self) -> None:
        self.reader.close()


# -- single-table formats ---------------------------------------------------------------------------


def _decode_plain(value: Any, line: int) -> dict[str, Any]:
    """A JSONL / JSON-array / CSV row: plain JSON, bare numbers are Float64 ($-objects as in 4.2)."""
    if not isinstance(value, dict):
        raise row_failure("NotAnObject", line, _preview(value))
    try:
        document = decode_encoded_value(value)
        if not isinstance(document, dict):
            raise ConvexValueError("expected an object")
        for key in document:
            problem = field_name_problem(key, top_level=True)
            if problem:
                raise ConvexValueError(problem)
    except ConvexValueError as err:
        raise row_failure("InvalidConvexValue", line, str(err)) from None
    return document


def _preview(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 60 else text[:57] + "..."


class _SingleTable(Source):
    def __init__(self, path: Path, table: str, base: str):
        self.path = Path(path)
        self.tables = [SourceTable(base, table, None)]
        self.storage_components = []
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(3)
        except OSError as err:
            raise failure("ImportFailed", f"cannot read the uploaded file: {err.strerror}") from None
        if head == _BOM:
            raise failure("Utf8BomNotSupported", "The file starts with a UTF-8 byte order mark (BOM); remove it.")


class JsonLinesSource(_SingleTable):
    def documents(self, table: SourceTable) -> Iterator[tuple[int, dict[str, Any]]]:
        line = 0
        with open(self.path, "rb") as handle:
            pending = b""
            while True:
                chunk = handle.read(CHUNK)
                if not chunk:
                    break
                pieces = (pending + chunk).split(b"\n")
                pending = pieces.pop()
                for raw in pieces:
                    line += 1
                    yield line, self._parse(raw, line)
            if pending.strip():
                line += 1
                yield line, self._parse(pending, line)

    @staticmethod
    def _parse(raw: bytes, line: int) -> dict[str, Any]:
        try:
            value = orjson.loads(raw.removesuffix(b"\r"))
        except orjson.JSONDecodeError as err:
            raise row_failure("JsonInvalidRow", line, str(err)) from None
        return _decode_plain(value, line)


class JsonArraySource(_SingleTable):
    def documents(self, table: SourceTable) -> Iterator[tuple[int, dict[str, Any]]]:
        size = os.path.getsize(self.path)
        if size > JSON_ARRAY_LIMIT:
            raise ImportFailure(
                "JsonArrayTooLarge",
                f"Import is too large for JSON ({size} bytes > maximum 16 MiB). Consider converting data to JSONLines",
            )
        try:
            value = orjson.loads(self.path.read_bytes())
        except orjson.JSONDecodeError as err:
            raise ImportFailure("NotJson", f"Not valid JSON: {err}") from None
        if not isinstance(value, list):
            raise ImportFailure("NotJsonArray", "Not a JSON array")
        for index, item in enumerate(value, start=1):
            yield index, _decode_plain(item, index)


class CsvSource(_SingleTable):
    def documents(self, table: SourceTable) -> Iterator[tuple[int, dict[str, Any]]]:
        with open(self.path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
            try:
                rows = csv.reader(text, strict=True)
                header = next(rows, None)
                if not header:
                    raise ImportFailure("CsvMissingHeaders", "CSV file doesn't have headers")
                for name in header:
                    problem = field_name_problem(name, top_level=True)
                    if problem:
                        message = f"CSV header {name!r} isn't a valid field name: {problem}"
                        raise ImportFailure("CsvInvalidHeader", message)
                for number, row in enumerate(rows, start=1):
                    if len(row) < len(header):
                        message = f"CSV row {number} doesn't have all of the fields in the header"
                        raise ImportFailure("CsvRowMissingFields", message)
                    yield number, {name: _csv_cell(cell) for name, cell in zip(header, row)}
            except csv.Error as err:
                raise ImportFailure("CsvInvalidRow", f"Failed to parse CSV row: {err}") from None
            except UnicodeDecodeError as err:
                raise ImportFailure("NotUtf8", f"Import wasn't valid UTF8: {err.reason}") from None


def _csv_cell(cell: str) -> Any:
    """Cells that parse as floats become numbers, everything else stays a string (spec 6.10)."""
    if _CSV_NUMBER.match(cell):
        return float(cell)
    return cell
