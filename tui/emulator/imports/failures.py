"""Import failures: the text Convex stores in an import's `state.error_message`.

Row-level parse errors are stored without the "Hit an error while importing:" prefix; everything else
carries it.
"""

from __future__ import annotations

from tui.archive.errors import ArchiveError
from tui.emulator.imports.state import ERROR_PREFIX


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
