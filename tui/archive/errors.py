"""Why a snapshot ZIP cannot be read or would not import (Convex's codes plus our own)."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import orjson

from tui.archive.ids import InvalidIdError
from tui.values.encoding import ConvexValueError

# Convex's own codes ...
CONVEX_CODES = frozenset(
    {
        "InvalidZip",
        "InvalidTableName",
        "InvalidComponentName",
        "JsonInvalidRow",
        "InvalidConvexValue",
        "InvalidGeneratedSchema",
        "InvalidStorageId",
        "InvalidId",
        "Sha256Mismatch",
        "DuplicateId",
        "DuplicateTableName",
        "TableNumberConflict",
        "Utf8BomNotSupported",
        "ImportConflict",
        "ValueTooLargeError",  # a document over 1 MiB (crates/common/src/document.rs)
    }
)
# ... and the ones this app adds for things Convex does not check or reports differently.
OWN_CODES = frozenset(
    {"UnsafePath", "ZipBomb", "StorageSizeMismatch", "MissingStorageFile", "LineTooLong", "UnknownTable"}
)


class ArchiveError(Exception):
    """A problem with a snapshot ZIP, located by member (entry name) and 1-based line where known.

    `str()` reads like `users/documents.jsonl line 12: <what is wrong>. <what to do>`.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        member: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ):
        self.code = code
        self.message = message
        self.member = member
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.member or ""
        if self.line is not None:
            where = f"{where} line {self.line}" if where else f"line {self.line}"
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text = f"{text}. {self.hint}"
        return text

    def __reduce__(self) -> tuple[object, ...]:  # keeps the keyword-only fields when pickled (e.g. across processes)
        return (_rebuild, (self.code, self.message, self.member, self.line, self.hint))

    def __repr__(self) -> str:
        return f"ArchiveError({self.code!r}, {str(self)!r})"


def _rebuild(code: str, message: str, member: str | None, line: int | None, hint: str | None) -> ArchiveError:
    return ArchiveError(code, message, member=member, line=line, hint=hint)


CORRUPT_HINT = "The file is damaged or incomplete; download the backup again"


@contextmanager
def archive_errors(member: str | None = None, line: int | None = None) -> Iterator[None]:
    """Turn the low-level exceptions a bad archive can cause into ArchiveError."""
    try:
        yield
    except ArchiveError:
        raise
    except orjson.JSONDecodeError as exc:
        raise ArchiveError("JsonInvalidRow", f"not valid JSON: {exc}", member=member, line=line) from None
    except UnicodeDecodeError as exc:
        raise ArchiveError("JsonInvalidRow", f"not valid UTF-8: {exc.reason}", member=member, line=line) from None
    except InvalidIdError as exc:
        raise ArchiveError("InvalidId", str(exc), member=member, line=line) from None
    except ConvexValueError as exc:
        raise ArchiveError("InvalidConvexValue", str(exc), member=member, line=line) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ArchiveError("InvalidZip", f"not a valid ZIP archive: {exc}", member=member, hint=CORRUPT_HINT) from None
    except OSError as exc:
        raise ArchiveError("InvalidZip", f"cannot read the archive: {exc}", member=member) from None
