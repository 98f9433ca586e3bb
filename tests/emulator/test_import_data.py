"""What an import does to data: bad files fail with the right error and change nothing; an export
imported back with replaceAll exports to identical documents; files in `_storage` come along."""

from __future__ import annotations

import base64
import io
import math
import zipfile

import pytest
from convex_http import latest_export
from sandbox_process import wait_for
from import_support import USERS, documents, dump, make_zip, run_import, seed, storage_entry

from tui.archive.ids import new_id
from tui.values.encoding import export_line
from tui.emulator.deployment.tables import STORAGE_TABLE_NUMBER


def _raw_zip(members: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return raw.getvalue()


def _table(lines: list[bytes], name: str = "users") -> dict[str, bytes]:
    return {
        f"{name}/documents.jsonl": b"".join(line + b"\n" for line in lines),
        f"{name}/generated_schema.jsonl": b'"uniform"\n',
    }


GOOD = export_line(documents(USERS, 1)[0]).rstrip(b"\n")
SAME_ID = new_id(USERS)
FILE_ID = new_id(STORAGE_TABLE_NUMBER)

BAD_FILES = {
    "invalid JSON line": (
        _raw_zip(_table([GOOD, b'{"name": "broken"'])),
        "Row 2 wasn't valid JSON: users/documents.jsonl line 2",
    ),
    "bad _id": (
        _raw_zip(_table([b'{"_id": "not-an-id", "name": "x"}'])),
        "Hit an error while importing:\nusers/documents.jsonl line 1: `_id` 'not-an-id' is not a valid document id",
    ),
    "duplicate _id": (
        _raw_zip(_table([b'{"_id": "%s", "n": 1}' % SAME_ID.encode(), b'{"_id": "%s", "n": 2}' % SAME_ID.encode()])),
        'Hit an error while importing:\nObjects in table "users" have duplicate _id fields',
    ),
    "bad table name": (
        _raw_zip(_table([b'{"n": 1}'], name="bad-name")),
        "Hit an error while importing:\nbad-name/documents.jsonl: 'bad-name' is not a valid table name",
    ),
    "sha256 mismatch": (
        make_zip(
            {}, files={FILE_ID: b"hello"}, metadata={FILE_ID: {"sha256": base64.b64encode(b"\x01" * 32).decode()}}
        ),
        "Hit an error while importing:\nFile sha256 mismatch for _storage/",
    ),
    "storage id from another table": (
        make_zip({}, files={new_id(USERS): b"hello"}),
        "Hit an error while importing:\n_storage entry has invalid ID",
    ),
    "not a zip": (b"this is not a zip file at all", "Hit an error while importing:\nnot a valid ZIP archive"),
    "value that does not decode": (
        _raw_zip(_table([b'{"blob": {"$bytes": "***"}}'])),
        "Row 1 wasn't a valid Convex value: users/documents.jsonl line 1: $bytes is not valid base64",
    ),
    "id of another table number": (
        _raw_zip(_table([GOOD, export_line({"_id": new_id(USERS + 5), "_creationTime": 1.5}).rstrip(b"\n")])),
        'Hit an error while importing:\nRow 2 of table "users" has an _id from table number 10006',
    ),
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    from sandbox_process import SandboxProcess

    process = SandboxProcess(tmp_path_factory.mktemp("bad") / "sandbox").start()
    with process.client() as client:
        seed(client, {"users": documents(USERS, 20), "other": [{"kept": True}]}, files={FILE_ID: b"kept file"})
        yield process, client, dump(client)
    process.stop()


@pytest.mark.parametrize("problem", list(BAD_FILES))
def test_bad_files_fail_and_change_nothing(seeded, problem):
    process, client, before = seeded
    data, message = BAD_FILES[problem]
    document = run_import(client, data, "replaceAll")
    assert document["state"]["state"] == "failed"
    assert document["state"]["error_message"].startswith(message), document["state"]["error_message"]
    assert dump(client) == before


def _export(client) -> bytes:
    previous = latest_export(client)
    assert client.post("/api/export/request/zip?includeStorage=true").status_code == 200
    export = wait_for(
        lambda: (
            (e := latest_export(client)) and e["state"] == "completed" and e["_id"] != (previous or {}).get("_id") and e
        ),
        message="export",
    )
    reply = client.get(f"/api/export/zip/{export['_id']}")
    assert reply.status_code == 200
    return reply.content


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "README.md"}


def test_export_imported_with_replace_all_exports_identically(sandbox):
    special = [
        {
            "_id": new_id(USERS),
            "_creationTime": 1700000000000.125,
            "int": 2**62,
            "float": 1.0,
            "nan": math.nan,
            "inf": -math.inf,
            "bytes": b"\x00\xff",
            "nested": {"list": [1, "two", None, True]},
            "neg_zero": -0.0,
        },
    ]
    files = {new_id(STORAGE_TABLE_NUMBER): b"first file", new_id(STORAGE_TABLE_NUMBER): b"\x00" * 70_000}
    with sandbox.client() as client:
        seed(
            client,
            {"users": documents(USERS, 2500) + special, "messages": documents(10002, 3), "empty": []},
            numbers={"users": USERS, "messages": 10002, "empty": 10003},
            files=files,
        )
        first = _export(client)
        imported = run_import(client, first, "replaceAll")
        assert imported["state"]["state"] == "completed", imported["state"]
        assert imported["state"]["num_rows_written"] == 2504  # documents only, not files
        storage = next(c for c in imported["checkpoints"] if c["display_table_name"] == "_storage")
        assert storage["total_num_rows_to_write"] == 2 and storage["existing_rows_to_delete"] == 2
        assert "_storage | 2      | 2 of 2 files" in get_message(client, first)
        second = _export(client)
        assert _members(first) == _members(second)
        state = dump(client)
        assert state["#files"] == 2 and len(state["users"]) == 2501 and state["empty"] == {}
        for file_id, data in files.items():
            reply = client.get(f"/api/storage/{file_id}")
            assert reply.status_code == 200 and reply.content == data


def get_message(client, data: bytes) -> str:
    """The confirmation summary for importing `data` with replaceAll (then canceled)."""
    from import_support import upload, wait_state

    import_id = upload(client, data, mode="replaceAll")
    message = wait_state(client, import_id, "waiting_for_confirmation")["state"]["message_to_confirm"]
    assert client.post("/api/cancel_import", json={"importId": import_id}).status_code == 200
    return message


def test_storage_modes(sandbox):
    kept, replaced = new_id(STORAGE_TABLE_NUMBER), new_id(STORAGE_TABLE_NUMBER)
    with sandbox.client() as client:
        seed(client, {"users": documents(USERS, 1)}, files={kept: b"a", replaced: b"b"})
        assert dump(client)["#files"] == 2
        # requireEmpty refuses to import files into a deployment that has some.
        failed = run_import(client, make_zip({}, files={new_id(STORAGE_TABLE_NUMBER): b"c"}), "requireEmpty")
        assert failed["state"]["error_message"].startswith("Table _storage already exists")
        # append adds them; a file without metadata is imported too (no content type).
        extra = new_id(STORAGE_TABLE_NUMBER)
        buffer = io.BytesIO(make_zip({}, files={extra: b"c"}))
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr(f"_storage/{new_id(STORAGE_TABLE_NUMBER)}", b"unindexed")
        appended = run_import(client, buffer.getvalue(), "append")
        assert appended["state"]["state"] == "completed" and appended["state"]["num_rows_written"] == 0
        assert dump(client)["#files"] == 4
        # a metadata line without its file is dropped silently; the replace removes the others.
        entry = storage_entry(new_id(STORAGE_TABLE_NUMBER), b"missing")
        data = make_zip({}, files={kept: b"a"})
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        members["_storage/documents.jsonl"] += export_line(entry)
        replaced_all = run_import(client, _raw_zip(members), "replace")
        assert replaced_all["state"]["state"] == "completed"
        assert dump(client)["#files"] == 1
