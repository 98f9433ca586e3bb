"""SnapshotWriter -> SnapshotReader round trips, Convex's ZIP layout, and flat memory while streaming."""

from __future__ import annotations

import base64
import hashlib
import math
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from tui.archive.ids import encode_id
from tui.archive.layout import UNIFORM_MARKER
from tui.archive.reader import SnapshotReader
from tui.archive.verify import verify_archive
from tui.archive.writer import SnapshotWriter

SNAPSHOT = "snapshot_happy-otter-123_1712345678901234567.zip"
STORAGE_NUMBER = 540


def sorted_id(table_number: int, n: int) -> str:
    return encode_id(table_number, n.to_bytes(16, "big"))


def _b64_sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


USERS = [
    {"_creationTime": 1712345678901.25, "_id": sorted_id(10001, 1), "name": "Ada", "age": 36, "blob": b"\x00\xff"},
    {"_creationTime": 1712345678902.5, "_id": sorted_id(10001, 2), "name": "Grace", "age": 85, "score": math.inf},
]
MESSAGES = [
    {
        "_creationTime": 1712345678903.0 + i,
        "_id": sorted_id(10002, i + 1),
        "author": USERS[i % 2]["_id"],
        "body": f"message {i} ✓",
        "count": i,
        "ratio": i / 2,
        "tags": ["a", {"deep": [i, float(i)]}],
    }
    for i in range(5)
]
WORK = [{"_creationTime": 1712345678910.0, "_id": sorted_id(10001, 7), "step": 1}]
FILES = {
    sorted_id(STORAGE_NUMBER, 1): (b"\x89PNG fake image", "image/png"),
    sorted_id(STORAGE_NUMBER, 2): (b"plain", None),
}


def _write_sample(path: Path) -> None:
    with SnapshotWriter(str(path)) as writer:
        writer.write_tables_index("", [("messages", 10002), ("users", 10001), ("empty", 10003)])
        writer.write_tables_index("workpool", [("work", 10001)])
        # user tables, smallest first
        with writer.open_table("", "empty"):
            pass
        with writer.open_table("workpool", "work") as table:
            for document in WORK:
                table.write_document(document)
        with writer.open_table("", "users") as table:
            for document in USERS:
                table.write_document(document)
        with writer.open_table("", "messages") as table:
            for document in MESSAGES:
                table.write_document(document)
        writer.write_storage_index(
            "",
            [
                {
                    "_id": storage_id,
                    "_creationTime": 1712345678000.5,
                    "sha256": _b64_sha(data),
                    "size": len(data),
                    "contentType": content_type,
                    "internalId": "3f2b8c1e-5d7a-4e9b-a1c2-0123456789ab",
                }
                for storage_id, (data, content_type) in FILES.items()
            ],
        )
        for storage_id, (data, content_type) in FILES.items():
            writer.write_storage_file("", storage_id, content_type, [data[:3], data[3:]])
        writer.write_storage_index("workpool", [])


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / SNAPSHOT
    _write_sample(path)
    return path


def test_layout_and_order_follow_the_spec(sample: Path) -> None:
    png, plain = FILES
    with zipfile.ZipFile(sample) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == [
            "README.md",
            "_tables/documents.jsonl",
            "_components/workpool/_tables/documents.jsonl",
            "empty/documents.jsonl",
            "empty/generated_schema.jsonl",
            "_components/workpool/work/documents.jsonl",
            "_components/workpool/work/generated_schema.jsonl",
            "users/documents.jsonl",
            "users/generated_schema.jsonl",
            "messages/documents.jsonl",
            "messages/generated_schema.jsonl",
            "_storage/documents.jsonl",
            f"_storage/{png}.png",
            f"_storage/{plain}",
            "_components/workpool/_storage/documents.jsonl",
        ]
        for info in infos:
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert (info.external_attr >> 16) & 0o777 == 0o644
            assert not info.is_dir()
            if info.filename.endswith("generated_schema.jsonl"):
                assert archive.read(info) == UNIFORM_MARKER == b'"uniform"\n'
        assert archive.read("empty/documents.jsonl") == b""
        assert archive.read("_tables/documents.jsonl") == (
            b'{"name":"users","id":10001}\n{"name":"messages","id":10002}\n{"name":"empty","id":10003}\n'
        )


def test_reader_sees_tables_components_and_storage(sample: Path) -> None:
    with SnapshotReader(sample) as reader:
        assert reader.snapshot_ts == 1712345678901234567
        assert reader.deployment_name == "happy-otter-123"
        assert [(t.component_path, t.name, t.uniform) for t in reader.tables] == [
            ("", "empty", True),
            ("workpool", "work", True),
            ("", "users", True),
            ("", "messages", True),
        ]
        assert reader.tables_index("") == {"users": 10001, "messages": 10002, "empty": 10003}
        assert reader.tables_index("workpool") == {"work": 10001}
        assert reader.tables_index("nope") == {}
        assert set(reader.storage) == {"", "workpool"}
        assert set(reader.storage[""].files) == set(FILES)
        assert reader.storage["workpool"].files == {}


def test_documents_round_trip(sample: Path) -> None:
    with SnapshotReader(sample) as reader:
        tables = {t.label: t for t in reader.tables}
        assert [d for _, d in reader.iter_documents(tables["users"])] == USERS
        assert [d for _, d in reader.iter_documents(tables["messages"])] == MESSAGES
        assert [d for _, d in reader.iter_documents(tables["workpool/work"])] == WORK
        assert list(reader.iter_documents(tables["empty"])) == []
        assert [n for n, _ in reader.iter_lines(tables["messages"])] == [1, 2, 3, 4, 5]


def test_storage_round_trip(sample: Path) -> None:
    with SnapshotReader(sample) as reader:
        rows = [row for _, row in reader.iter_storage_index("")]
        assert [row["_id"] for row in rows] == list(FILES)
        assert list(rows[0]) == ["_id", "_creationTime", "sha256", "size", "contentType", "internalId"]
        for storage_id, (data, content_type) in FILES.items():
            with reader.open_storage_file("", storage_id) as stream:
                assert stream.read() == data
        assert list(reader.iter_storage_index("workpool")) == []


def test_verify_reports_everything(sample: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    report = verify_archive(sample, progress=lambda done, total, message: calls.append((done, total, message)))
    assert report.ok
    assert report.snapshot_ts == 1712345678901234567
    assert report.members_checked == 15
    assert {(t.component_path, t.name): (t.table_number, t.documents) for t in report.tables} == {
        ("", "empty"): (10003, 0),
        ("workpool", "work"): (10001, 1),
        ("", "users"): (10001, 2),
        ("", "messages"): (10002, 5),
    }
    assert report.documents == 8
    assert report.storage_files == 2
    assert report.storage_bytes == sum(len(d) for d, _ in FILES.values())
    assert calls[-1] == (15, 15, "Verified")
    assert all(total == 15 for _, total, _ in calls)


def test_unsorted_ids_are_still_verified(tmp_path: Path) -> None:
    path = tmp_path / "unsorted.zip"
    with SnapshotWriter(str(path)) as writer:
        with writer.open_table("", "things") as table:
            for n in (5, 3, 9, 1, 7):
                table.write_document({"_id": sorted_id(10010, n), "n": n})
            table.write_document({"n": "no id: gets a fresh one on import"})
    report = verify_archive(path)
    assert report.snapshot_ts is None
    assert [(t.name, t.table_number, t.documents) for t in report.tables] == [("things", 10010, 6)]


def _write_many(path: Path, count: int, *, with_ids: bool = False) -> None:
    with SnapshotWriter(str(path)) as writer:
        writer.write_tables_index("", [("items", 10001)])
        with writer.open_table("", "items") as table:
            for n in range(count):
                document = {"_creationTime": 1712345678901.5 + n, "n": n, "s": "small"}
                if with_ids:
                    document["_id"] = sorted_id(10001, n if n % 100 else count + n)  # some out of order
                table.write_document(document)


def _peak_bytes(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


FEW_MB = 4 * 2**20


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, int]]:
    """200k and 20k small documents, each written under tracemalloc: count -> (path, peak bytes)."""
    folder = tmp_path_factory.mktemp("many")
    out = {}
    for count in (200_000, 20_000):
        path = folder / f"{count}.zip"
        out[count] = (path, _peak_bytes(lambda: _write_many(path, count)))
    return out


@pytest.mark.slow
def test_writing_keeps_memory_flat(written: dict[int, tuple[Path, int]]) -> None:
    big, small = written[200_000][1], written[20_000][1]
    assert big < FEW_MB
    assert abs(big - small) < 2**19  # independent of the document count


@pytest.mark.slow
def test_reading_keeps_memory_flat(written: dict[int, tuple[Path, int]]) -> None:
    peaks = {}
    for count, (path, _) in written.items():

        def read_lines() -> None:
            with SnapshotReader(path) as reader:
                assert sum(1 for _ in reader.iter_lines(reader.tables[0])) == count
                assert reader.count_lines(reader.tables[0].documents_member) == count

        peaks[count] = _peak_bytes(read_lines)
    assert peaks[200_000] < FEW_MB
    assert abs(peaks[200_000] - peaks[20_000]) < 2**19


@pytest.mark.slow
def test_verify_keeps_memory_flat_on_both_duplicate_checks(tmp_path: Path) -> None:
    path = tmp_path / "ids.zip"
    _write_many(path, 10_000, with_ids=True)  # not in `_id` order: exercises the on-disk re-scan too
    reports = []
    assert _peak_bytes(lambda: reports.append(verify_archive(path))) < 1.5 * FEW_MB
    assert reports[0].tables[0].documents == 10_000
