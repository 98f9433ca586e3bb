"""`write_table_subset`: a ZIP of only the chosen tables of a snapshot, for an import in replace mode —
their documents and schema members as they were, `_tables` narrowed to them (their table numbers kept),
`_storage` only when chosen, and a name the snapshot lacks refused listing the ones it has."""

from __future__ import annotations

import zipfile
from pathlib import Path

import orjson
import pytest
from test_writer_reader import MESSAGES, SNAPSHOT, _write_sample

from tui.archive.errors import ArchiveError
from tui.archive.reader import SnapshotReader
from tui.archive.subset import table_labels, write_table_subset
from tui.archive.verify import verify_archive


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / SNAPSHOT
    _write_sample(path)
    return path


def test_labels_name_component_tables_and_storage(sample: Path) -> None:
    with SnapshotReader(sample) as reader:
        assert table_labels(reader) == ["empty", "messages", "users", "workpool/work", "_storage", "workpool/_storage"]


def test_only_the_chosen_tables_are_written(sample: Path, tmp_path: Path) -> None:
    subset = tmp_path / "subset.zip"
    write_table_subset(sample, subset, ["messages", "workpool/work"])
    with zipfile.ZipFile(subset) as archive, zipfile.ZipFile(sample) as original:
        names = archive.namelist()
        assert sorted(names) == sorted(
            [
                "README.md",
                "_tables/documents.jsonl",
                "_components/workpool/_tables/documents.jsonl",
                "messages/documents.jsonl",
                "messages/generated_schema.jsonl",
                "_components/workpool/work/documents.jsonl",
                "_components/workpool/work/generated_schema.jsonl",
            ]
        )
        assert archive.read("messages/documents.jsonl") == original.read("messages/documents.jsonl")
        tables = [orjson.loads(line) for line in archive.read("_tables/documents.jsonl").splitlines()]
        assert tables == [{"name": "messages", "id": 10002}]  # the other tables' numbers are not claimed
    report = verify_archive(subset)
    assert {(t.component_path, t.name): t.documents for t in report.tables} == {
        ("", "messages"): len(MESSAGES),
        ("workpool", "work"): 1,
    }


def test_storage_only_when_chosen(sample: Path, tmp_path: Path) -> None:
    without = tmp_path / "without.zip"
    write_table_subset(sample, without, ["users"])
    with zipfile.ZipFile(without) as archive:
        assert not [n for n in archive.namelist() if "_storage" in n]
    with_files = tmp_path / "with.zip"
    write_table_subset(sample, with_files, ["_storage"])
    with zipfile.ZipFile(with_files) as archive, zipfile.ZipFile(sample) as original:
        stored = sorted(n for n in original.namelist() if n.startswith("_storage/"))
        assert sorted(n for n in archive.namelist() if n.startswith("_storage/")) == stored
        assert not [
            n
            for n in archive.namelist()
            if n.endswith("documents.jsonl") and "_storage" not in n and "_tables" not in n
        ]


def test_a_name_the_snapshot_lacks_is_refused(sample: Path, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError) as caught:
        write_table_subset(sample, tmp_path / "x.zip", ["users", "customers"])
    assert caught.value.code == "UnknownTable"
    assert "no table customers" in str(caught.value) and "messages, users" in str(caught.value)
    assert not (tmp_path / "x.zip").exists()
