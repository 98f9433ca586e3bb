"""Fixtures of the emergency-checklist tests: a seeded sandbox process (the demo world) and the Cloud-kind
target opened on it through the services, exactly as tests/tui_restore does."""

from __future__ import annotations

import pytest
import pytest_asyncio

from sandbox_process import SandboxProcess  # noqa: E402

from tui.services.config import Homes  # noqa: E402
from tui.services.open_target import open_target, sandbox_spec  # noqa: E402
from tui.services.targets import TargetSpec  # noqa: E402


@pytest.fixture
def homes(tmp_path):
    return Homes(tmp_path / "home" / "config", tmp_path / "home" / "data")


@pytest.fixture
def demo(tmp_path):
    process = SandboxProcess(tmp_path / "sandbox", extra_args=("--seed", "demo")).start()
    yield process
    process.stop()


@pytest_asyncio.fixture
async def target(demo, homes):
    spec = sandbox_spec(TargetSpec("sandbox", source="tests"), demo.platform_url, demo.access_token)
    opened = await open_target(spec, homes)
    yield opened
    await opened.aclose()


@pytest.fixture
def fresh(tmp_path):
    """An empty sandbox (no demo world)."""
    process = SandboxProcess(tmp_path / "sandbox").start()
    yield process
    process.stop()


@pytest_asyncio.fixture
async def fresh_target(fresh, homes):
    spec = sandbox_spec(TargetSpec("sandbox", source="tests"), fresh.platform_url, fresh.access_token)
    opened = await open_target(spec, homes)
    yield opened
    await opened.aclose()
