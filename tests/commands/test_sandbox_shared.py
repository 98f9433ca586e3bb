"""Two apps on one sandbox data folder (tui/emulator/sandbox/folder_lock.py): the second uses the sandbox the first
started instead of opening the folder itself, even when both start together or the first is frozen for a
moment; a throttled import of the first runs to the end with its data intact; the sandbox serves on while
either app still uses it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
from cloud_world import PRO_PROD, STARTER_PROD, build_world

sys.path.insert(0, str(Path(__file__).parent.parent / "emulator"))  # the import tests' helpers

from import_support import MESSAGES, USERS, confirm, documents, dump, get_import, make_zip, seed, upload, wait_state
from sandbox_process import wait_for  # noqa: E402

from tui.emulator.sandbox.folder import SandboxFolder  # noqa: E402
from tui.launcher import session  # noqa: E402


def _sandbox_processes(root: Path) -> list[int]:
    """Pids of live sandbox child processes of `root` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"tui.emulator.sandbox.child" in argv and str(root).encode() in argv and state != "Z":
            found.append(int(entry.name))
    return found


async def _names(chosen) -> list[str]:
    target = await chosen.open()
    try:
        return [d.name for d in await target.list_deployments()]
    finally:
        await target.aclose()


def _deployment_client(root: Path, name: str) -> httpx.Client:
    folder = SandboxFolder(root)
    headers = {"Authorization": f"Convex {folder.keys(name).admin_key}", "Convex-Client": "tests-0.1.0"}
    return httpx.Client(base_url=folder.url(name), headers=headers, timeout=30)


def test_two_apps_started_together_use_one_sandbox(tmp_path):
    home = tmp_path / "home"
    root = home / "data" / "sandbox"
    build_world(root)
    environ = {"CONVEX_BACKUPS_HOME": str(home)}
    with (
        session(environ=environ, cwd=tmp_path, home=tmp_path) as first,
        session(environ=environ, cwd=tmp_path, home=tmp_path) as second,
    ):
        url_first, _ = first.starting.result(timeout=120)
        url_second, _ = second.starting.result(timeout=120)
        assert url_first == url_second
        wait_for(lambda: len(_sandbox_processes(root)) == 1, message="one sandbox process left")
        assert STARTER_PROD in asyncio.run(_names(second))
    wait_for(lambda: not _sandbox_processes(root), message="the sandbox stopped after both apps left")


def test_an_app_started_while_the_sandbox_is_frozen_leaves_its_import_alone(tmp_path):
    home = tmp_path / "home"
    root = home / "data" / "sandbox"
    build_world(root)
    environ = {"CONVEX_BACKUPS_HOME": str(home)}
    new_users, new_messages = documents(USERS, 4000), documents(MESSAGES, 3)
    with session(environ=environ, cwd=tmp_path, home=tmp_path) as first:
        url_first, _ = first.starting.result(timeout=120)
        owner = first.runtime.pid
        with _deployment_client(root, PRO_PROD) as client:
            reply = client.post("/api/_emulator/throttle", json={"stepDelay": 0.3})
            assert reply.status_code == 200, reply.text
            seed(client, {"users": documents(USERS, 20)})
            import_id = upload(client, make_zip({"users": new_users, "messages": new_messages}), mode="replaceAll")
            wait_state(client, import_id, "waiting_for_confirmation")
            confirm(client, import_id)
            wait_for(
                lambda: sum(c["num_rows_written"] for c in get_import(client, import_id)["checkpoints"]) >= 500,
                timeout=60,
                message="the import writing rows into hidden tables",
            )

            os.kill(owner, signal.SIGSTOP)  # the first sandbox stops answering for a moment
            try:
                with session(environ=environ, cwd=tmp_path, home=tmp_path) as second:
                    log = root / "sandbox.log"
                    wait_for(
                        lambda: (
                            second.starting.done() or (log.exists() and "already in use by process" in log.read_text())
                        ),
                        timeout=120,
                        message="the second app's sandbox to start or to find the first",
                    )
                    os.kill(owner, signal.SIGCONT)
                    url_second, _ = second.starting.result(timeout=120)
                    assert url_second == url_first
                    first.close()  # the first app leaves: the second still uses the sandbox
                    assert owner in _sandbox_processes(root)
                    assert PRO_PROD in asyncio.run(_names(second))
                    done = wait_state(client, import_id, "completed", "failed", timeout=120)
                    assert done["state"]["state"] == "completed", done["state"]
                    after = dump(client)
                    assert set(after["users"]) == {d["_id"] for d in new_users}
                    assert set(after["messages"]) == {d["_id"] for d in new_messages}
            finally:
                os.kill(owner, signal.SIGCONT)
    wait_for(lambda: not _sandbox_processes(root), message="the sandbox stopped after both apps left")


def test_two_lists_started_together_on_a_fresh_home_open_one_sandbox(tmp_path):
    """The reported race: two `convex-backups list` on a fresh home, nothing configured, each starting the
    embedded sandbox on the same folder (the first start seeds the demo world)."""
    import json
    import subprocess
    import sys

    from headless_support import clean_environ

    home = tmp_path / "home"
    environ = clean_environ(CONVEX_BACKUPS_HOME=str(home), HOME=str(tmp_path))
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "tui", "list", "--json"],
            cwd=tmp_path,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    replies = [json.loads(out) for out, _ in outputs]
    assert replies[0]["target"]["base_url"] == replies[1]["target"]["base_url"]  # one platform served both
    listed = [{d["deployment"]["name"] for d in reply["deployments"]} for reply in replies]
    root = home / "data" / "sandbox"
    assert listed[0] == listed[1] == set(SandboxFolder(root).deployment_names())
    assert (root / "sandbox.log").read_text().count("This app uses that sandbox") <= 1  # 0: it found it serving
    wait_for(lambda: not _sandbox_processes(root), message="the sandbox stopped after both apps left")
