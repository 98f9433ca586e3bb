"""A process killed (SIGKILL) in the middle of an import never leaves the visible data changed; after
a restart the import runs again from the start and completes."""

from __future__ import annotations

import sqlite3
import time

from import_support import (
    MESSAGES,
    USERS,
    confirm,
    documents,
    dump,
    get_import,
    make_zip,
    seed,
    upload,
    wait_state,
)

from tui.archive.ids import new_id
from tui.emulator.deployment.tables import STORAGE_TABLE_NUMBER


def _hidden_tablets(process) -> int:
    (database,) = process.data.glob("deployments/*/deployment.sqlite3")
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM tablets WHERE state = 'hidden'").fetchone()[0]
    finally:
        conn.close()


def test_kill_during_in_progress_then_restart(slow_sandbox):
    new_users = documents(USERS, 6000)
    new_messages = documents(MESSAGES, 4)
    file_id = new_id(STORAGE_TABLE_NUMBER)
    replacement = make_zip({"users": new_users, "messages": new_messages}, files={file_id: b"new file"})
    key = slow_sandbox.admin_key  # read once: the restarted process serves the same port and key
    with slow_sandbox.client(key=key) as client:
        seed(client, {"users": documents(USERS, 30), "notes": [{"text": "keep me until the import lands"}]})
        before = dump(client)
        import_id = upload(client, replacement, mode="replaceAll")
        wait_state(client, import_id, "waiting_for_confirmation")
        confirm(client, import_id)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # wait until rows sit in hidden tablets
            document = get_import(client, import_id)
            if sum(c["num_rows_written"] for c in document["checkpoints"]) >= 2000:
                break
            time.sleep(0.02)
        assert document["state"]["state"] == "in_progress"
        assert dump(client) == before
    slow_sandbox.kill()
    assert _hidden_tablets(slow_sandbox) > 0  # the killed import left half-written tablets behind

    slow_sandbox.start()
    with slow_sandbox.client(key=key) as client:
        # Right after the restart: nothing visible changed, and the import starts over.
        assert dump(client) == before
        restarted = get_import(client, import_id)
        assert restarted["state"]["state"] == "in_progress"
        assert restarted["state"]["checkpoint_messages"] == []
        done = wait_state(client, import_id, "completed", "failed")
        assert done["state"]["state"] == "completed", done["state"]
        assert done["state"]["num_rows_written"] == 6004
        after = dump(client)
        assert set(after) == {"users", "messages", "#files", "#mapping"}
        assert set(after["users"]) == {d["_id"] for d in new_users} and after["#files"] == 1
    assert _hidden_tablets(slow_sandbox) == 0


def test_kill_before_confirmation_and_during_parse(slow_sandbox):
    with slow_sandbox.client() as client:
        seed(client, {"users": documents(USERS, 5)})
        before = dump(client)
        waiting = upload(client, make_zip({"users": documents(USERS, 3)}), mode="replace")
        wait_state(client, waiting, "waiting_for_confirmation")
        uploaded = upload(client, make_zip({"users": documents(USERS, 4)}), mode="replace")
        assert get_import(client, uploaded)["state"]["state"] == "uploaded"
    slow_sandbox.kill()
    slow_sandbox.start()
    with slow_sandbox.client() as client:
        assert dump(client) == before
        assert get_import(client, waiting)["state"]["state"] == "waiting_for_confirmation"
        # An import that was still `uploaded` is parsed again after the restart.
        assert (
            wait_state(client, uploaded, "waiting_for_confirmation")["checkpoints"][0]["total_num_rows_to_write"] == 4
        )
        confirm(client, uploaded)
        assert wait_state(client, uploaded, "completed", "failed")["state"]["state"] == "completed"
        assert len(dump(client)["users"]) == 4
