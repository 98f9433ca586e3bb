"""Fixtures that build snapshot ZIPs, good and bad, directly with zipfile."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from tui.archive.ids import encode_id

SNAPSHOT_NAME = "snapshot_happy-otter-123_1712345678901234567.zip"


def sorted_id(table_number: int, n: int) -> str:
    """Ids that ascend with n, as Convex writes them (documents in `_id` order)."""
    return encode_id(table_number, n.to_bytes(16, "big"))


def jsonl(*rows: object) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


Entry = tuple  # (name, data) or (name, data, compress_type)


@pytest.fixture
def make_zip(tmp_path: Path) -> Callable[..., Path]:
    """make_zip([(name, bytes[, compress_type]), ...], name=...) -> path of a ZIP holding exactly those entries."""

    def build(entries: list[Entry], name: str = SNAPSHOT_NAME) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            for entry in entries:
                member, data = entry[0], entry[1]
                method = entry[2] if len(entry) > 2 else zipfile.ZIP_DEFLATED
                info = zipfile.ZipInfo(member, date_time=(2024, 4, 5, 12, 0, 0))
                info.compress_type = method
                archive.writestr(info, data)
        return path

    return build


@pytest.fixture
def ids() -> Callable[[int, int], str]:
    return sorted_id


@pytest.fixture
def users_table() -> Callable[..., list[Entry]]:
    """Entries of a small valid root table `users` (number 10001) with its `_tables` line."""

    def build(count: int = 3, *, first: int = 1) -> list[Entry]:
        rows = [
            {"_creationTime": 1712345678901.5 + i, "_id": sorted_id(10001, first + i), "name": f"user{i}"}
            for i in range(count)
        ]
        return [
            ("README.md", b"hello\n"),
            ("_tables/documents.jsonl", jsonl({"name": "users", "id": 10001})),
            ("users/documents.jsonl", jsonl(*rows)),
            ("users/generated_schema.jsonl", b'"uniform"\n'),
        ]

    return build
