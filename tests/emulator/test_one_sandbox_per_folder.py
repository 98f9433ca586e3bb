"""One process owns a sandbox data folder (tui/emulator/sandbox/folder_lock.py): a second `sandbox serve` on a
folder another process serves is refused, naming the running one, and opens nothing, so its start-up
recovery cannot drop the tables an import of the first one is writing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from import_support import MESSAGES, USERS, confirm, documents, dump, get_import, make_zip, seed, upload, wait_state
from sandbox_process import wait_for


def _second_serve(data) -> tuple[int | None, str]:
    """Run another `sandbox serve` on `data`; its exit code (None: it went on serving, and was stopped)
    and everything it printed."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "sandbox", "serve", "--data", str(data), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    serving = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Data folder:"):
                serving.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while proc.poll() is None and not serving.is_set() and time.monotonic() < deadline:
        time.sleep(0.05)
    code = proc.poll()
    if code is None:  # it opened the folder: stop it (what it did at start-up is what the test checks)
        proc.terminate()
        proc.wait(30)
    reader.join(10)
    return code, "".join(lines)


def test_a_second_serve_is_refused_during_a_throttled_import(slow_sandbox):
    key = slow_sandbox.admin_key
    new_users = documents(USERS, 4000)
    new_messages = documents(MESSAGES, 3)
    with slow_sandbox.client(key=key) as client:
        seed(client, {"users": documents(USERS, 20)})
        import_id = upload(client, make_zip({"users": new_users, "messages": new_messages}), mode="replaceAll")
        wait_state(client, import_id, "waiting_for_confirmation")
        confirm(client, import_id)

        def writing():  # rows are in hidden tablets: what a second process's recovery would drop
            document = get_import(client, import_id)
            return sum(c["num_rows_written"] for c in document["checkpoints"]) >= 500

        wait_for(writing, timeout=60, message="the import writing rows")

        code, output = _second_serve(slow_sandbox.data)
        assert code == 2, output
        assert f"process {slow_sandbox.proc.pid}" in output and slow_sandbox.platform_url in output, output
        assert "is serving at" not in output  # it served nothing

        done = wait_state(client, import_id, "completed", "failed", timeout=120)
        assert done["state"]["state"] == "completed", done["state"]
        after = dump(client)
        assert set(after["users"]) == {d["_id"] for d in new_users}
        assert set(after["messages"]) == {d["_id"] for d in new_messages}


def test_the_folder_is_free_again_once_its_owner_is_gone(slow_sandbox):
    """A killed owner leaves its files behind; the kernel releases the lock, so the next start is not refused."""
    slow_sandbox.kill()
    slow_sandbox.start()
    with slow_sandbox.client() as client:
        assert isinstance(dump(client), dict)
    slow_sandbox.stop()
    assert not (slow_sandbox.data / "sandbox.running.json").exists()
