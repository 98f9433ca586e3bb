"""CSV, JSON Lines and JSON-array uploads: one table each, plain JSON values (spec 6.10)."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tui.archive.members import CHUNK
from tui.archive.names import field_name_problem
from tui.archive.values import ConvexValueError, decode_encoded_value
from tui.emulator.import_failures import ImportFailure, failure, row_failure
from tui.emulator.import_source import Source, SourceTable

JSON_ARRAY_LIMIT = 16 * 1024 * 1024  # TRANSACTION_MAX_USER_WRITE_SIZE_BYTES
_BOM = b"\xef\xbb\xbf"
_CSV_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)\Z", re.I)


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
