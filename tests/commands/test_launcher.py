"""The composition root: with nothing configured the embedded sandbox starts in this process (or a sandbox
already serving the same data folder is used), and the target says it is not the operator's account."""

from __future__ import annotations

import asyncio

from sandbox_process import SandboxProcess

from tui.launcher import session
from tui.services.targets import SANDBOX_NOTICE


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
        assert chosen.is_sandbox and chosen.runtime is not None
        notice, names = asyncio.run(_deployments(chosen))
        # A first start gets the demo world: several teams' prod, dev and preview deployments.
        assert notice == SANDBOX_NOTICE and len(names) >= 6
        runtime = chosen.runtime
    assert chosen.runtime is None and runtime.platform is None  # shut down on leaving


def test_a_running_sandbox_of_the_same_folder_is_reused(tmp_path):
    home = tmp_path / "home"
    serving = SandboxProcess(home / "data" / "sandbox").start()
    try:
        with session(environ={"CONVEX_BACKUPS_HOME": str(home)}, cwd=tmp_path, home=tmp_path) as chosen:
            assert chosen.runtime is None and chosen.spec.provision_host == serving.platform_url
            _, names = asyncio.run(_deployments(chosen))
            assert names == [serving.name]
    finally:
        serving.stop()
