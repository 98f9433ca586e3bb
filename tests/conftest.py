from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sandbox_process import DEMO, SandboxProcess, wait_for  # noqa: E402


@pytest.fixture
def sandbox(tmp_path):
    """A running sandbox (one deployment) on a free loopback port, stopped after the test."""
    process = SandboxProcess(tmp_path / "sandbox").start()
    yield process
    process.stop()


@pytest.fixture
def slow_sandbox(tmp_path):
    """A sandbox whose workers pause 0.3 s at every step, so each state can be observed."""
    process = SandboxProcess(tmp_path / "sandbox", throttle=0.3).start()
    yield process
    process.stop()


@pytest.fixture
def platform_sandbox(tmp_path):
    """A running sandbox with its emulated platform on a manual clock (`--clock manual`): use
    `.platform_url`, `.access_token`, `.platform_client()`, `.advance_clock(seconds)`."""
    process = SandboxProcess(tmp_path / "sandbox", extra_args=("--clock", "manual")).start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo world's data folder, seeded once per session (per xdist worker): seeding takes half a
    minute, a copy of its folder starts in a few seconds. Stopped only once the backup the seed requests
    as it opens has finished, so every copy starts from the same settled world."""
    folder = tmp_path_factory.mktemp("demo-template") / "sandbox"
    process = SandboxProcess(folder, extra_args=DEMO).start(timeout=300)
    try:
        with process.platform_client() as platform:
            def settled() -> bool:
                for name in process.deployments:
                    deployment_id = platform.get(f"/v1/deployments/{name}").json()["id"]
                    backups = platform.get(f"/api/dashboard/deployments/{deployment_id}/list_cloud_backups").json()
                    if any(b["state"] in ("requested", "inProgress") for b in backups):
                        return False
                return True

            wait_for(settled, timeout=120, interval=0.2, message="the seeded demo world's backups to finish")
    finally:
        process.stop()
    return folder

