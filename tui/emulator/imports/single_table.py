"""CSV, JSON Lines and JSON-array uploads: one table each, plain JSON values."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tui.archive.errors import ArchiveError
from tui.archive.limits import UNMEASURED_LINE_BYTES, document_size, too_large_text
from tui.archive.lines import split_lines
from tui.archive.members import CHUNK
from tui.values.field_names import field_name_problem
from tui.values.encoding import ConvexValueError, decode_encoded_value
from tui.emulator.imports.failures import ImportFailure, failure, row_failure
from tui.emulator.imports.source import Source, SourceTable

JSON_ARRAY_LIMIT = 16 * 1024 * 1024  # TRANSACTION_MAX_USER_WRITE_SIZE_BYTES
_BOM = b"\xef\xbb\xbf"
_AFTER_LONE_CR = re.compile(r"(?<=\r)(?!\n)")
_CSV_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)\Z", re.I)


def _decode_plain(value: Any, line: int, *, measure: bool = True) -> dict[str, Any]:
    """A JSONL / JSON-array / CSV row: plain JSON, bare numbers are Float64 ($-objects as in 4.2); with
    `measure`, refused as Convex refuses a document over 1 MiB."""
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
    too_large = too_large_text(document_size(document)) if measure else None
    if too_large:
        raise failure("ValueTooLargeError", f"Row {line}: {too_large}")
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
        with open(self.path, "rb") as handle:
            held: tuple[int, bytes] | None = None  # the line before, until we know whether it is the last
            try:
                for line, raw in split_lines(iter(lambda: handle.read(CHUNK), b"")):
                    if held is not None:
                        yield held[0], self._parse(held[1], held[0])
                    held = (line, raw)
            except ArchiveError as err:  # a line too long to hold
                if held is not None:
                    self._parse(held[1], held[0])  # a problem in the line before it comes first
                raise failure(err.code, f"Row {err.line}: {err.message}") from None
            if held is not None and (held[1].strip() or _ends_with_newline(handle)):
                yield held[0], self._parse(held[1], held[0])  # a blank last line without its newline is ignored

    @staticmethod
    def _parse(raw: bytes, line: int) -> dict[str, Any]:
        try:
            value = orjson.loads(raw.removesuffix(b"\r"))
        except orjson.JSONDecodeError as err:
            raise row_failure("JsonInvalidRow", line, str(err)) from None
        return _decode_plain(value, line, measure=len(raw) > UNMEASURED_LINE_BYTES)


def _ends_with_newline(handle: Any) -> bool:
    handle.seek(-1, os.SEEK_END)
    return handle.read(1) == b"\n"


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
            try:
                rows = csv.reader(_text_lines(raw), strict=True)
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
            except ArchiveError as err:  # a line too long to hold
                raise failure(err.code, f"CSV line {err.line}: {err.message}") from None


def _text_lines(handle: Any) -> Iterator[str]:
    """The file's lines as text, each with its line ending (`\\n`, `\\r\\n` or a lone `\\r`, as a
    text file opened with `newline=""` gives them), read in bounded memory."""
    for _, raw in split_lines(iter(lambda: handle.read(CHUNK), b"")):
        yield from _AFTER_LONE_CR.split((raw + b"\n").decode("utf-8"))


def _csv_cell(cell: str) -> Any:
    """Cells that parse as floats become numbers, everything else stays a string."""
    if _CSV_NUMBER.match(cell):
        return float(cell)
    return cell
