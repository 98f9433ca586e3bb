"""inspect_archive: a cheap summary of what a snapshot holds."""

from __future__ import annotations

import math
from pathlib import Path

import orjson
import pytest

from tui.archive.errors import ArchiveError
from tui.archive.ids import encode_id
from tui.archive.inspect import inspect_archive, summary_to_dict
from tui.archive.verify import verify_archive
from tui.archive.writer import SnapshotWriter


def sid(table_number: int, n: int) -> str:
    return encode_id(table_number, n.to_bytes(16, "big"))


def jsonl(*rows: object) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot_calm-heron-42_1712345678901234567.zip"
    with SnapshotWriter(str(path)) as writer:
        writer.write_tables_index("", [("users", 10001)])  # `logs` is not listed: number from its first _id
        with writer.open_table("", "users") as table:
            for n in range(1, 8):
                table.write_document({"_id": sid(10001, n), "n": n, "blob": b"\x01\x02", "score": math.inf})
        with writer.open_table("", "logs") as table:
            table.write_document({"_id": sid(10005, 1), "line": "started"})
        with writer.open_table("wp", "work"):
            pass
        files = {sid(540, 1): b"a" * 10, sid(540, 2): b"b" * 32}
        writer.write_storage_index(
            "", [{"_id": k, "size": len(v), "contentType": "application/octet-stream"} for k, v in files.items()]
        )
        for storage_id, data in files.items():
            writer.write_storage_file("", storage_id, None, [data])
    return path


def test_summary(snapshot: Path) -> None:
    summary = inspect_archive(snapshot, samples=2)
    assert summary.snapshot_ts == 1712345678901234567
    assert summary.deployment_name == "calm-heron-42"
    assert summary.zip_bytes == snapshot.stat().st_size
    assert summary.components == ["", "wp"]
    by_name = {(t.component_path, t.name): t for t in summary.tables}
    users = by_name[("", "users")]
    assert (users.table_number, users.documents, len(users.samples)) == (10001, 7, 2)
    assert users.samples[0] == {"_id": sid(10001, 1), "n": 1, "blob": b"\x01\x02", "score": math.inf}
    assert users.bytes > 0
    assert (by_name[("", "logs")].table_number, by_name[("", "logs")].documents) == (10005, 1)
    assert (by_name[("wp", "work")].table_number, by_name[("wp", "work")].documents) == (None, 0)
    assert summary.documents == 8
    assert (summary.storage_files, summary.storage_bytes, summary.storage_members) == (2, 42, 2)


def test_samples_zero_still_finds_table_numbers(snapshot: Path) -> None:
    summary = inspect_archive(snapshot, samples=0)
    assert all(t.samples == [] for t in summary.tables)
    assert {t.name: t.table_number for t in summary.tables}["logs"] == 10005


def test_summary_to_dict_is_json_in_export_encoding(snapshot: Path) -> None:
    data = summary_to_dict(inspect_archive(snapshot, samples=1))
    text = orjson.dumps(data)  # must be serializable as is
    users = next(t for t in data["tables"] if t["name"] == "users")
    sample = {"_id": sid(10001, 1), "n": 1, "blob": {"$bytes": "AQI="}, "score": {"$float": "AAAAAAAA8H8="}}
    assert users["samples"] == [sample]
    assert data["snapshotTs"] == 1712345678901234567 and data["documents"] == 8
    assert data["storage"] == {"files": 2, "bytes": 42, "members": 2}
    assert orjson.loads(text) == data


def test_inspect_does_not_decode_every_document(make_zip) -> None:
    good = {"_id": sid(10001, 1), "n": 1}
    bad = {"_id": sid(10001, 2), "n": {"$nope": 1}}
    documents = jsonl(good, bad) + b'{"last": 1}'
    path = make_zip([("users/documents.jsonl", documents), ("users/generated_schema.jsonl", b'"uniform"\n')])
    (table,) = inspect_archive(path, samples=1).tables
    assert (table.documents, table.samples) == (3, [good])  # a last line without its newline still counts
    with pytest.raises(ArchiveError) as caught:
        verify_archive(path)
    assert (caught.value.code, caught.value.line) == ("InvalidConvexValue", 2)


def test_inspect_of_a_damaged_archive_raises_archive_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 definitely not a whole zip")
    with pytest.raises(ArchiveError):
        inspect_archive(path)


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        inspect_archive(tmp_path / "nope.zip")
