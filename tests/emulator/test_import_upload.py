"""Snapshot import over HTTP: request validation, the modes, the confirmation summary
and checkpoints, the single-request import and the single-table formats."""

from __future__ import annotations

import httpx
import pytest
from convex_http import query
from import_support import (
    MESSAGES,
    USERS,
    confirm,
    documents,
    dump,
    make_zip,
    run_import,
    seed,
    upload,
    wait_state,
)

from tui.archive.ids import new_id

CLOSING = (
    "Once the import has started, it will run in the background.\nInterrupting `npx convex import` will not cancel it."
)


def _error(reply: httpx.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text
    assert reply.json()["code"] == code, reply.text
    return reply.json()["message"]


def test_request_validation_errors(sandbox):
    with sandbox.client() as client:
        token = client.post("/api/import/start_upload").json()["uploadToken"]

        def finish(spec, **extra):
            return client.post(
                "/api/import/finish_upload", json={"import": spec, "uploadToken": token, "partTokens": [], **extra}
            )

        _error(finish({"format": "zip", "mode": "replace", "tableName": "users"}), 400, "InvalidName")
        assert "requires table name" in _error(finish({"format": "jsonLines"}), 400, "InvalidName")
        _error(finish({"format": "csv", "tableName": "1users"}), 400, "ImportInvalidName")
        _error(finish({"format": "jsonLines", "tableName": "_system"}), 400, "ImportInvalidName")
        _error(finish({"format": "zip", "componentPath": "work/-pool"}), 400, "InvalidComponentPath")
        _error(finish({"format": "xml"}), 400, "BadJsonBody")
        _error(finish({"format": "zip", "mode": "overwrite"}), 400, "BadJsonBody")
        _error(client.post("/api/import/finish_upload", content=b'{"import": {"format": "zip"}}'), 400, "BadJsonBody")
        bad_token = client.post(
            "/api/import/finish_upload", json={"import": {"format": "zip"}, "uploadToken": "x" * 43, "partTokens": []}
        )
        _error(bad_token, 400, "InvalidUploadToken")

        _error(
            client.post("/api/import/upload_part", params={"uploadToken": token, "partNumber": "one"}),
            400,
            "BadQueryArgs",
        )
        _error(client.post("/api/import/upload_part", params={"uploadToken": token}), 400, "BadQueryArgs")
        _error(client.post("/api/import?format=xml", content=b""), 400, "BadQueryArgs")
        _error(client.post("/api/import?format=zip&mode=bogus", content=b""), 400, "BadQueryArgs")
        _error(client.post("/api/import?format=zip&tableName=users", content=b""), 400, "InvalidName")
        _error(client.post("/api/import?format=csv&tableName=bad-name", content=b""), 400, "ImportInvalidName")
        _error(client.post("/api/import?format=zip&componentPath=a//b", content=b""), 400, "InvalidComponentPath")

        for route in ("/api/perform_import", "/api/cancel_import"):
            _error(client.post(route, json={"importId": "not-an-id"}), 400, "InvalidImport")
            _error(client.post(route, json={"importId": new_id(USERS)}), 400, "InvalidImport")
            assert "not found" in _error(client.post(route, json={"importId": new_id(32)}), 404, "ImportNotFound")
            _error(client.post(route, json={}), 400, "BadJsonBody")
            _error(client.post(route, content=b'{"importId": "x"}'), 400, "BadJsonBody")

    anonymous = httpx.Client(base_url=sandbox.url, timeout=10)
    _error(anonymous.post("/api/import/start_upload"), 403, "BadDeployKey")
    _error(anonymous.post("/api/perform_import", json={"importId": "x"}), 403, "BadDeployKey")
    with sandbox.client(key=f"{sandbox.name}|{'0' * 64}") as wrong:
        _error(wrong.post("/api/import/start_upload"), 401, "BadAdminKey")
        _error(wrong.post("/api/cancel_import", json={"importId": "x"}), 401, "BadAdminKey")
    anonymous.close()


def test_modes_summary_and_checkpoints(sandbox):
    users, messages = documents(USERS, 3, kind="user"), documents(MESSAGES, 2, kind="message")
    with sandbox.client() as client:
        assert query(client, "_system/cli/queryImport:list", {}) == []
        seed(client, {"users": users, "messages": messages}, numbers={"users": USERS, "messages": MESSAGES})
        before = dump(client)
        assert set(before["users"]) == {d["_id"] for d in users}
        assert before["users"][users[0]["_id"]] == users[0]  # ids and _creationTime kept

        # requireEmpty: a table with rows fails the parse phase, nothing changes.
        failed = run_import(client, make_zip({"users": documents(USERS, 1)}), "requireEmpty")
        assert failed["state"] == {
            "state": "failed",
            "error_message": "Table users already exists. Please choose a new table name or use replace/append modes.",
        }
        assert dump(client) == before

        # requireEmpty into a new table: nothing deleted, no manual confirmation needed.
        notes = documents(10003, 2)
        import_id = upload(client, make_zip({"notes": notes}), mode="requireEmpty")
        waiting = wait_state(client, import_id, "waiting_for_confirmation")
        assert waiting["mode"] == "RequireEmpty" and waiting["format"] == {"format": "zip"}
        assert waiting["requestor"] == {"type": "snapshotImport"} and waiting["member_id"] is None
        assert waiting["component_path"] is None and waiting["object_key"]
        assert waiting["state"] == {
            "state": "waiting_for_confirmation",
            "message_to_confirm": "Import change summary:\n"
            "table | create | delete |\n"
            "-------------------------\n"
            "notes | 2      | 0 of 0 |\n" + CLOSING,
            "require_manual_confirmation": False,
        }
        confirm(client, import_id)
        done = wait_state(client, import_id, "completed", "failed")
        assert done["state"]["state"] == "completed" and done["state"]["num_rows_written"] == 2
        assert done["state"]["timestamp"] > 0
        (checkpoint,) = done["checkpoints"]
        assert checkpoint["num_rows_written"] == 2 and checkpoint["tablet_id"] is not None

        # replace: the table becomes the file's contents; other tables stay.
        new_users = documents(USERS, 5)
        import_id = upload(client, make_zip({"users": new_users}), mode="replace")
        waiting = wait_state(client, import_id, "waiting_for_confirmation")
        assert waiting["state"]["message_to_confirm"] == (
            "Import change summary:\n"
            "table | create | delete |\n"
            "-------------------------\n"
            "users | 5      | 3 of 3 |\n" + CLOSING
        )
        assert waiting["state"]["require_manual_confirmation"] is True
        assert waiting["checkpoints"] == [
            {
                "component_path": None,
                "display_table_name": "users",
                "tablet_id": None,
                "total_num_rows_to_write": 5,
                "num_rows_written": 0,
                "existing_rows_in_table": 3,
                "existing_rows_to_delete": 3,
                "is_missing_id_field": False,
            }
        ]
        assert dump(client)["users"] == before["users"]  # nothing happens before the confirmation
        confirm(client, import_id)
        assert wait_state(client, import_id, "completed", "failed")["state"]["state"] == "completed"
        after = dump(client)
        assert set(after["users"]) == {d["_id"] for d in new_users}
        assert after["messages"] == before["messages"] and len(after["notes"]) == 2

        # append: rows are added; the summary deletes nothing.
        more = documents(MESSAGES, 2)
        appended = run_import(client, make_zip({"messages": more}), "append")
        assert appended["state"]["state"] == "completed" and appended["mode"] == "Append"
        assert set(dump(client)["messages"]) == {d["_id"] for d in messages + more}

        # append of ids that are already there fails and changes nothing.
        snapshot = dump(client)
        clash = run_import(client, make_zip({"messages": more}), "append")
        assert clash["state"]["state"] == "failed"
        assert dump(client) == snapshot

        # replaceAll: every table not in the file is deleted, and the summary says so.
        only = documents(MESSAGES, 1)
        import_id = upload(client, make_zip({"messages": only}), mode="replaceAll")
        waiting = wait_state(client, import_id, "waiting_for_confirmation")
        assert waiting["state"]["message_to_confirm"] == (
            "Import change summary:\n"
            "table    | create | delete |\n"
            "----------------------------\n"
            "messages | 1      | 4 of 4 |\n"
            "notes    | 0      | 2 of 2 |\n"
            "users    | 0      | 5 of 5 |\n" + CLOSING
        )
        assert [c["display_table_name"] for c in waiting["checkpoints"]] == ["messages", "notes", "users"]
        confirm(client, import_id)
        assert wait_state(client, import_id, "completed", "failed")["state"]["num_rows_written"] == 1
        final = dump(client)
        assert set(final) == {"messages", "#files", "#mapping"} and set(final["messages"]) == {only[0]["_id"]}

        listed = query(client, "_system/frontend/snapshotImport:list", {})
        assert listed == query(client, "_system/cli/queryImport:list", {})
        assert listed[0]["_id"] == import_id and len(listed) == 7
        assert [d["_creationTime"] for d in listed] == sorted((d["_creationTime"] for d in listed), reverse=True)


def test_table_numbers_and_conflicts(sandbox):
    with sandbox.client() as client:
        seed(client, {"users": documents(USERS, 2)}, numbers={"users": USERS})
        # A table pinned to the number of a table that survives the import: TableConflict.
        clash = run_import(client, make_zip({"notes": []}, numbers={"notes": USERS}), "replace")
        assert clash["state"]["state"] == "failed"
        assert 'clash with the existing table "users"' in clash["state"]["error_message"]
        assert clash["state"]["error_message"].startswith("Hit an error while importing:\n")
        # Ids of another table number than `_tables` says: ImportConflict.
        conflict = run_import(client, make_zip({"notes": documents(USERS, 1)}, numbers={"notes": 10007}), "replace")
        assert "table number 10001" in conflict["state"]["error_message"]
        # Rows without `_id` get fresh ids in the table's number; `_tables` pins the number.
        done = run_import(
            client, make_zip({"notes": [{"text": "a"}, {"text": "b"}]}, numbers={"notes": 10009}), "append"
        )
        assert done["state"]["state"] == "completed" and done["checkpoints"][0]["is_missing_id_field"] is True
        state = dump(client)
        assert state["#mapping"]["10009"] == "notes" and len(state["notes"]) == 2


def test_single_request_import_and_single_table_formats(sandbox):
    with sandbox.client() as client:
        zipped = make_zip({"users": documents(USERS, 4)})
        reply = client.post("/api/import?format=zip&mode=replace", content=zipped)
        assert reply.status_code == 200 and reply.json() == {"numWritten": 4}
        # It confirms on its own even when rows are deleted, and reports failures as ImportFailed.
        reply = client.post("/api/import?format=zip&mode=replace", content=make_zip({"users": documents(USERS, 1)}))
        assert reply.json() == {"numWritten": 1}
        failed = client.post("/api/import?format=zip", content=make_zip({"users": documents(USERS, 1)}))
        assert "already exists" in _error(failed, 400, "ImportFailed")

        reply = client.post("/api/import?format=jsonLines&tableName=lines", content=b'{"a": 1}\n{"a": 2.5, "b": "x"}\n')
        assert reply.json() == {"numWritten": 2}
        reply = client.post(
            "/api/import?format=jsonArray&tableName=array&mode=append", content=b'[{"a": [1, 2]}, {"c": null}]'
        )
        assert reply.json() == {"numWritten": 2}
        reply = client.post("/api/import?format=csv&tableName=sheet", content=b"name,score\nada,1.5\nbob,x\n")
        assert reply.json() == {"numWritten": 2}
        state = dump(client)
        assert sorted(d["a"] for d in state["lines"].values()) == [1.0, 2.5]
        assert sorted((d["name"], d["score"]) for d in state["sheet"].values()) == [("ada", 1.5), ("bob", "x")]
        assert len(state["array"]) == 2

        bad = client.post("/api/import?format=jsonLines&tableName=lines2", content=b'{"a": 1}\nnot json\n')
        assert _error(bad, 400, "ImportFailed").startswith("Row 2 wasn't valid JSON")
        bad = client.post("/api/import?format=jsonArray&tableName=array2", content=b'{"a": 1}')
        assert _error(bad, 400, "ImportFailed") == "Not a JSON array"
        bad = client.post("/api/import?format=csv&tableName=sheet2", content=b"a,b\n1\n")
        assert "doesn't have all of the fields" in _error(bad, 400, "ImportFailed")

        # The multipart path with a single-table format stores it under its own format.
        import_id = upload(client, b'{"x": 1}\n', fmt="jsonLines", table="parts", mode="replace")
        waiting = wait_state(client, import_id, "waiting_for_confirmation")
        assert waiting["format"] == {"format": "jsonl", "table": "parts"} and waiting["mode"] == "Replace"


@pytest.mark.parametrize("part_size", [997, 1 << 20])
def test_parts_are_appended_in_order(sandbox, part_size):
    with sandbox.client() as client:
        users = documents(USERS, 50)
        document = run_import(client, make_zip({"users": users}), "replaceAll", part_size=part_size)
        assert document["state"]["state"] == "completed"
        assert set(dump(client)["users"]) == {d["_id"] for d in users}
