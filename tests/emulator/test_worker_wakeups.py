"""The sandbox's export and import workers are woken by the work they are given, not by a timer (issue 16: an
idle sandbox does not look for work every second). With their housekeeping pass pushed out of reach
(tui/emulator/worker_thread.py), everything still happens at once: an export left pending by a sandbox that
stopped resumes when it starts again, a requested export runs, an import is read, confirmed and run, and a
cancelled import's file is deleted."""

from __future__ import annotations

import time

import httpx
import pytest
from convex_http import latest_export
from import_support import confirm, documents, make_zip, upload, wait_state
from sandbox_process import wait_for

from tui.emulator import worker_thread
from tui.emulator.exports import state as exports
from tui.emulator.sandbox.folder import SandboxFolder
from tui.emulator.sandbox.runtime import SandboxRuntime

pytestmark = pytest.mark.slow  # an emulator served by this process, for its module attribute to be patched

PROMPT_S = 20.0  # far below the housekeeping interval below, generous for a loaded machine


@pytest.fixture
def no_housekeeping(monkeypatch):
    monkeypatch.setattr(worker_thread, "HOUSEKEEPING_S", 3600.0)


def _completed_export(client: httpx.Client) -> dict | None:
    export = latest_export(client)
    return export if export is not None and export["state"] == "completed" else None


def test_every_step_happens_without_waiting_for_housekeeping(tmp_path, no_housekeeping):
    root = tmp_path / "sandbox"
    folder = SandboxFolder(root)
    name = folder.create_deployment()
    stopped = folder.open(name)  # a sandbox that stopped with an export requested and not yet begun
    exports.request(stopped.db, include_storage=False)
    stopped.db.close()

    runtime = SandboxRuntime(root, port=0).open().start_in_background()
    try:
        deployment = runtime.deployments[0]
        headers = {"Authorization": f"Convex {deployment.admin_key}"}
        with httpx.Client(base_url=runtime.servers[0].url, headers=headers, timeout=30) as client:
            first = wait_for(lambda: _completed_export(client), timeout=PROMPT_S, message="the pending export")

            assert client.post("/api/export/request/zip").status_code == 200
            wait_for(
                lambda: (_completed_export(client) or first)["_id"] != first["_id"],
                timeout=PROMPT_S,
                message="the requested export",
            )

            kept = upload(client, make_zip({"notes": documents(10001, 5)}), mode="replaceAll")
            wait_state(client, kept, "waiting_for_confirmation", timeout=PROMPT_S)
            confirm(client, kept)
            assert wait_state(client, kept, "completed", "failed", timeout=PROMPT_S)["state"]["state"] == "completed"

            dropped = upload(client, make_zip({"notes": documents(10001, 5)}), mode="replaceAll")
            wait_state(client, dropped, "waiting_for_confirmation", timeout=PROMPT_S)
            assert client.post("/api/cancel_import", json={"importId": dropped}).status_code == 200
            imports_dir = deployment.folder / "imports"
            wait_for(lambda: not list(imports_dir.glob(f"{dropped}.*")), timeout=PROMPT_S, message="the file deleted")
    finally:
        started = time.monotonic()
        runtime.shutdown()
    assert time.monotonic() - started < PROMPT_S  # idle workers stop at once, whatever they sleep for
