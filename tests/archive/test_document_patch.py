"""The documents restore's ZIP and plan, on ZIPs written here: a table as it is now with chosen documents put
back from the backup and others left out (ids, creation times and the table number kept; legacy lines written
again in the uniform encoding), and a plan narrowed by `where`, per action, and checked against the diff."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_snapshot_diff import doc, write  # noqa: E402

from tui.archive.document_patch import TableEdit, write_patched_tables
from tui.archive.errors import ArchiveError
from tui.archive.reader import SnapshotReader
from tui.archive.snapshot_diff import diff_snapshots
from tui.services.restore.documents_plan import PlanError, edits_from_diff, parse_plan, plan_from_diff, plan_json


def _lines(path: Path, table: str) -> list[dict]:
    with SnapshotReader(path) as reader:
        entry = next(t for t in reader.tables if t.label == table)
        return [document for _, document in reader.iter_documents(entry)]


@pytest.fixture
def backup_and_now(tmp_path):
    users = [doc(n, name=f"user {n}", plan="pro" if n % 2 else "free") for n in range(1, 9)]
    now = [dict(d) for d in users if d["name"] not in ("user 3", "user 4")]  # 3 and 4 deleted
    now[0]["name"] = "broken"  # user 1 changed
    now[1]["name"] = "broken"  # user 2 changed
    now.append(doc(20, name="new"))  # created since
    return (
        write(tmp_path / "backup.zip", {"users": users, "other": [doc(99, x=1)]}),
        write(tmp_path / "now.zip", {"users": now, "other": [doc(99, x=2)]}),
        users,
        now,
    )


def test_everything_back_keeps_ids_and_creation_times(tmp_path, backup_and_now):
    backup, now, users, _ = backup_and_now
    with diff_snapshots(backup, now, tmp_path / "d.sqlite") as store:
        plan = parse_plan(plan_json(plan_from_diff(store, tables=["users"])))
        edits, reviews = edits_from_diff(plan, store)
    assert (reviews[0].revert, reviews[0].recreate, reviews[0].remove) == (2, 2, 1)
    assert list(edits) == ["users"]  # "other" differs too, but was not chosen
    out = tmp_path / "patched.zip"
    (outcome,) = write_patched_tables(now, out, edits)
    assert (outcome.documents, outcome.put, outcome.dropped) == (8, 4, 1)
    assert sorted(_lines(out, "users"), key=lambda d: d["_id"]) == users
    with SnapshotReader(out) as reader:
        assert reader.tables_index("") == {"users": 10001}  # the table number, so every _id stays valid
        assert [t.label for t in reader.tables] == ["users"]  # only the edited table: `replace` leaves the rest


def test_where_and_single_actions(tmp_path, backup_and_now):
    backup, now, users, current = backup_and_now
    with diff_snapshots(backup, now, tmp_path / "d.sqlite") as store:
        plan = parse_plan('{"tables": {"users": {"revert": "all", "recreate": "all", "where": {"plan": "pro"}}}}')
        edits, (review,) = edits_from_diff(plan, store)
        # users 1 and 3 are "pro": 1 reverted, 3 re-created; 2 and 4 ("free") stay as they are now; nothing removed
        assert (review.revert, review.recreate, review.remove) == (1, 1, 0)
        by_id = edits_from_diff(
            parse_plan(
                '{"tables": {"users": {"revert": ["%s", "%s", "%s"], "remove": ["%s"]}}}'
                % (users[3]["_id"], users[4]["_id"], users[0]["_id"], users[0]["_id"])
            ),
            store,
        )[1][0]
    # user 4 was deleted: "revert" brings it back too; user 5 is unchanged: already fine; user 1 is in the
    # backup, so it is not removed (skipped)
    assert (by_id.revert, by_id.recreate, by_id.already, by_id.skipped) == (1, 1, 1, 1)
    out = tmp_path / "patched.zip"
    write_patched_tables(now, out, edits)
    got = {d["_id"]: d for d in _lines(out, "users")}
    assert got[users[0]["_id"]] == users[0] and got[users[2]["_id"]] == users[2]
    assert got[users[1]["_id"]]["name"] == "broken" and users[3]["_id"] not in got
    assert doc(20, name="new") in got.values()


def test_legacy_lines_are_written_uniform(tmp_path):
    legacy = tmp_path / "legacy.zip"
    with zipfile.ZipFile(legacy, "w") as archive:  # no generated_schema.jsonl: bare numbers are Float64
        archive.writestr("_tables/documents.jsonl", b'{"name": "t", "id": 10001}\n')
        archive.writestr("t/documents.jsonl", orjson.dumps({"_id": doc(1)["_id"], "_creationTime": 5, "n": 3}) + b"\n")
    out = tmp_path / "out.zip"
    write_patched_tables(legacy, out, {"t": TableEdit(drop={"nothing"})})
    (document,) = _lines(out, "t")
    assert type(document["n"]) is float and document["n"] == 3.0


def test_storage_and_bad_plans_are_refused(tmp_path, backup_and_now):
    _, now, _, _ = backup_and_now
    with pytest.raises(ArchiveError, match="whole tables"):
        write_patched_tables(now, tmp_path / "x.zip", {"_storage": TableEdit(drop={"a"})})
    for text, words in (
        ("[]", "JSON object"),
        ("{nope", "not JSON"),
        ('{"tables": {"_storage": {}}}', "whole tables"),
        ('{"tables": {"t": {"undo": []}}}', "unknown key 'undo'"),
        ('{"version": 9, "tables": {}}', "version 9"),
    ):
        with pytest.raises(PlanError, match=words):
            parse_plan(text)
