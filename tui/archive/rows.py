"""Checks of single rows of a snapshot: a document's `_id`, a `_tables` row, a `_storage` index row and its
base64 sha256."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from typing import Any

from tui.archive.errors import ArchiveError
from tui.archive.ids import MAX_TABLE_NUMBER, InvalidIdError, decode_id
from tui.values.field_names import table_name_problem

_MIME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;.*)?\Z", re.DOTALL)


@dataclass(frozen=True)
class DocumentId:
    text: str
    table_number: int
    internal: bytes


def document_id(document: dict[str, Any], member: str, line_no: int) -> DocumentId | None:
    if "_id" not in document:
        return None
    text = document["_id"]
    if not isinstance(text, str):
        message = f"`_id` must be a string, found {type(text).__name__}"
        raise ArchiveError("InvalidId", message, member=member, line=line_no)
    try:
        number, internal = decode_id(text)
    except InvalidIdError as exc:
        message = f"`_id` {text!r} is not a valid document id: {exc}"
        raise ArchiveError("InvalidId", message, member=member, line=line_no) from None
    return DocumentId(text, number, internal)


def tables_row(row: Any, member: str, line_no: int) -> tuple[str, int]:
    def bad(message: str, code: str = "InvalidConvexValue") -> ArchiveError:
        return ArchiveError(code, message, member=member, line=line_no)

    if not isinstance(row, dict):
        raise bad('expected an object like {"name": "users", "id": 10001}')
    name, number = row.get("name"), row.get("id")
    if not isinstance(name, str):
        raise bad("the line has no table `name` string")
    if isinstance(number, bool) or not isinstance(number, int):
        raise bad("the line has no integer table number `id`")
    problem = table_name_problem(name)
    if problem:
        raise bad(f"{name!r} is not a valid table name: {problem}", "InvalidTableName")
    if not 1 <= number <= MAX_TABLE_NUMBER:
        raise bad(f"table number {number} is out of range")
    return name, number


def check_storage_row(row: Any, member: str, line_no: int) -> None:
    def bad(message: str, code: str = "InvalidConvexValue") -> ArchiveError:
        return ArchiveError(code, message, member=member, line=line_no)

    if not isinstance(row, dict):
        raise bad("expected an object with the file's `_id`, `sha256`, `size`, `contentType` and `internalId`")
    storage_id = row.get("_id")
    if not isinstance(storage_id, str):
        raise bad("the line has no `_id` string", "InvalidId")
    try:
        decode_id(storage_id)
    except InvalidIdError as exc:
        raise bad(f"`_id` {storage_id!r} is not a valid storage id: {exc}", "InvalidId") from None
    created = row.get("_creationTime")
    if created is not None and (isinstance(created, bool) or not isinstance(created, (int, float))):
        raise bad("`_creationTime` must be a number of milliseconds")
    if "sha256" in row and row["sha256"] is not None:
        if sha256_bytes(row["sha256"]) is None:
            raise bad(f"`sha256` {row['sha256']!r} is not the base64 of 32 bytes")
    size = row.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise bad(f"`size` {size!r} is not a non-negative integer")
    content_type = row.get("contentType")
    if content_type is not None and (not isinstance(content_type, str) or not _MIME.match(content_type)):
        raise bad(f"`contentType` {content_type!r} is not a MIME type")
    internal_id = row.get("internalId")
    if internal_id is not None:
        try:
            uuid.UUID(internal_id)
        except (ValueError, TypeError, AttributeError):
            raise bad(f"`internalId` {internal_id!r} is not a UUID") from None


def sha256_bytes(text: Any) -> bytes | None:
    """The 32 digest bytes of a base64 `sha256` field, or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        digest = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return digest if len(digest) == 32 else None
