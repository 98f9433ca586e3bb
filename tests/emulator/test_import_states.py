"""The `_snapshot_imports` state machine watched step by step (the worker pauses 0.3 s per step)."""

from __future__ import annotations

import time

from import_support import (
    MESSAGES,
    USERS,
    confirm,
    documents,
    dump,
    get_import,
    make_zip,
    run_import,
    seed,
    upload,
    wait_state,
)
from sandbox_process import wait_for


def _cancel(client, import_id: str):
    return client.post("/api/cancel_import", json={"importId": import_id})


def test_every_state_and_progress_is_observable(slow_sandbox):
    users = documents(USERS, 4500)
    messages = documents(MESSAGES, 3)
    with slow_sandbox.client() as client:
        import_id = upload(client, make_zip({"users": users, "messages": messages}), mode="replaceAll")
        assert get_import(client, import_id)["state"] == {"state": "uploaded"}
        assert get_import(client, import_id)["checkpoints"] is None
        waiting = wait_state(client, import_id, "waiting_for_confirmation")
        assert waiting["state"]["require_manual_confirmation"] is False

        confirm(client, import_id)
        # The CLI subscribes again straight after confirming: the new state must already be there.
        assert get_import(client, import_id)["state"] == {
            "state": "in_progress",
            "progress_message": "Importing",
            "checkpoint_messages": [],
        }
        confirm(client, import_id)  # a second confirmation is a no-op
        seen: list[tuple[str, tuple[str, ...]]] = []
        written: list[int] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            document = get_import(client, import_id)
            state = document["state"]
            if state["state"] != "in_progress":
                break
            entry = (state["progress_message"], tuple(state["checkpoint_messages"]))
            if not seen or seen[-1] != entry:
                seen.append(entry)
            written.append(sum(c["num_rows_written"] for c in document["checkpoints"]))
            time.sleep(0.02)
        assert state["state"] == "completed", state
        assert state["num_rows_written"] == 4503
        progress = [p for p, _ in seen]
        assert 'Importing "users" (2,000 documents)' in progress
        assert 'Importing "users" (4,000 documents)' in progress
        assert seen[-1][1] == ('Imported "messages" (3 documents)', 'Imported "users" (4,500 documents)')
        assert seen[-1][0] == 'Imported "users" (4,500 documents)'
        assert written == sorted(written)
        final = get_import(client, import_id)
        assert [c["num_rows_written"] for c in final["checkpoints"]] == [3, 4500]
        assert all(c["tablet_id"] for c in final["checkpoints"])

        confirm(client, import_id)  # confirming a finished import changes nothing
        assert get_import(client, import_id)["state"] == state
        reply = _cancel(client, import_id)
        assert reply.status_code == 400 and reply.json()["code"] == "CannotCancelImport"


def test_cancel_in_each_state(slow_sandbox):
    with slow_sandbox.client() as client:
        seed(client, {"users": documents(USERS, 10)})
        before = dump(client)
        replacement = make_zip({"users": documents(USERS, 5000), "messages": documents(MESSAGES, 5)})

        uploaded = upload(client, replacement, mode="replaceAll")
        assert get_import(client, uploaded)["state"]["state"] == "uploaded"
        assert _cancel(client, uploaded).status_code == 200
        assert get_import(client, uploaded)["state"] == {"state": "failed", "error_message": "Import canceled"}

        waiting = upload(client, replacement, mode="replaceAll")
        wait_state(client, waiting, "waiting_for_confirmation")
        assert _cancel(client, waiting).status_code == 200
        assert get_import(client, waiting)["state"] == {"state": "failed", "error_message": "Import canceled"}
        confirm(client, waiting)  # confirming a canceled import is a no-op
        assert get_import(client, waiting)["state"]["state"] == "failed"

        running = upload(client, replacement, mode="replaceAll")
        wait_state(client, running, "waiting_for_confirmation")
        confirm(client, running)
        wait_for_rows = lambda: sum(c["num_rows_written"] for c in get_import(client, running)["checkpoints"]) > 0  # noqa: E731
        deadline = time.monotonic() + 20
        while not wait_for_rows() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert get_import(client, running)["state"]["state"] == "in_progress"
        assert _cancel(client, running).status_code == 200
        assert get_import(client, running)["state"] == {"state": "failed", "error_message": "Import canceled"}
        # The worker notices at its next step and drops what it wrote.
        wait_for(lambda: dump(client) == before, timeout=30, message="the canceled import's rows dropped")
        assert get_import(client, running)["state"]["state"] == "failed"

        reply = _cancel(client, running)
        assert reply.status_code == 400 and reply.json()["code"] == "CannotCancelImport"

        # The worker is free again: the next import runs to completion.
        assert run_import(client, replacement)["state"]["num_rows_written"] == 5005
