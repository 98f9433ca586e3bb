"""Fixtures of the restore-screen tests: a seeded sandbox process (the demo world) and the Cloud-kind
target opened on it through the services, plus helpers to read a deployment's documents."""

from __future__ import annotations

import pytest
import pytest_asyncio

from deployment_data import open_sandbox
from sandbox_process import SandboxProcess  # noqa: E402

from tui.services.config import Homes  # noqa: E402


@pytest.fixture
def demo(tmp_path):
    process = SandboxProcess(tmp_path / "sandbox", extra_args=("--seed", "demo")).start()
    yield process
    process.stop()


@pytest_asyncio.fixture
async def target(demo, tmp_path):
    opened = await open_sandbox(demo, Homes(tmp_path / "home" / "config", tmp_path / "home" / "data"))
    yield opened
    await opened.aclose()
