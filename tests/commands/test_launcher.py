"""The composition root: with nothing configured the embedded sandbox starts in a child process while the
caller goes on (or a sandbox already serving the same data folder is used), and the target says it is not
the operator's account."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from sandbox_process import SandboxProcess, copy_demo_world

from tui.launcher import session
from tui.services.config.targets import SANDBOX_NOTICE


async def _deployments(chosen) -> tuple[str, list[str]]:
    target = await chosen.open()
    try:
        info = await target.info()
        return info.notice, [d.name for d in await target.list_deployments()]
    finally:
        await target.aclose()


def test_embedded_sandbox_starts_and_stops(tmp_path):
    environ = {"CONVEX_BACKUPS_HOME": str(tmp_path / "home")}
    with session(environ=environ, cwd=tmp_path, home=tmp_path) as chosen:
        # session() does not wait for the sandbox: opening the target does.
        assert chosen.is_sandbox and chosen.starting is not None and chosen.spec.provision_host is None
        notice, names = asyncio.run(_deployments(chosen))
        # A first start gets the demo world: several teams' prod, dev and preview deployments.
        assert notice == SANDBOX_NOTICE and len(names) >= 6
        child = chosen.runtime
        assert child is not None and child.process.poll() is None
        assert chosen.spec.provision_host.startswith("http://127.0.0.1:")
    assert chosen.runtime is None and child.process.poll() == 0  # stopped cleanly on leaving


def _seeded_home(demo_template, home: Path) -> Path:
    """A home whose sandbox folder already holds the seeded demo world (a copy of the run's), as after a first
    start: only test_embedded_sandbox_starts_and_stops pays for seeding it."""
    copy_demo_world(demo_template, home / "data" / "sandbox")
    return home


def test_the_sandbox_stops_when_the_app_dies(tmp_path, demo_template):
    """The child watches its standard input: a parent that vanishes without closing the session (killed)
    still ends it."""
    environ = {"CONVEX_BACKUPS_HOME": str(_seeded_home(demo_template, tmp_path / "home"))}
    with session(environ=environ, cwd=tmp_path, home=tmp_path) as chosen:
        asyncio.run(_deployments(chosen))
        child = chosen.runtime
        chosen.lease.release()  # what the kernel does for a parent that was killed: its descriptors close
        child.process.stdin.close()
        assert child.process.wait(timeout=30) == 0


def _sandbox_processes(root) -> list[int]:
    """Pids of live sandbox child processes serving `root` (from /proc)."""
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


def test_a_session_left_before_the_sandbox_serves_leaves_no_process(tmp_path, demo_template):
    home = _seeded_home(demo_template, tmp_path / "home")
    with session(environ={"CONVEX_BACKUPS_HOME": str(home)}, cwd=tmp_path, home=tmp_path) as chosen:
        pass
    chosen.starting.exception(timeout=60)  # the start ends one way or the other
    deadline = time.monotonic() + 30
    while _sandbox_processes(home / "data" / "sandbox") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _sandbox_processes(home / "data" / "sandbox") == []


def test_a_running_sandbox_of_the_same_folder_is_reused(tmp_path):
    home = tmp_path / "home"
    serving = SandboxProcess(home / "data" / "sandbox").start()
    try:
        with session(environ={"CONVEX_BACKUPS_HOME": str(home)}, cwd=tmp_path, home=tmp_path) as chosen:
            _, names = asyncio.run(_deployments(chosen))
            assert chosen.runtime is None and chosen.spec.provision_host == serving.platform_url
            assert names == [serving.name]
    finally:
        serving.stop()


def test_the_collector_is_held_back_while_modules_load_and_runs_again_after_even_on_an_error():
    """Issue 16: start-up's imports are not walked by collections again and again (`imports_uncollected`);
    in a fresh interpreter, so that this test run's own objects are not frozen."""
    code = (
        "import gc\n"
        "from tui.launcher import imports_uncollected\n"
        "with imports_uncollected():\n"
        "    held = not gc.isenabled()\n"
        "    import json\n"
        "try:\n"
        "    with imports_uncollected():\n"
        "        raise ImportError('no such module')\n"
        "except ImportError:\n"
        "    pass\n"
        "print(held, gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["True", "True", "True"]
