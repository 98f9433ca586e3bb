"""Fixtures of the emergency-checklist tests: a seeded sandbox process (the demo world) and the Cloud-kind
target opened on it through the services, exactly as tests/tui_restore does."""

from __future__ import annotations

import pytest
import pytest_asyncio

from deployment_data import open_sandbox
from sandbox_process import start_demo_copy

from tui.services.config.settings import Homes  # noqa: E402


@pytest.fixture
def homes(tmp_path):
    return Homes(tmp_path / "home" / "config", tmp_path / "home" / "data")


@pytest.fixture
def demo(demo_template, tmp_path):
    """A fresh copy of the demo world (seeded once per session: tests/conftest.py)."""
    process = start_demo_copy(demo_template, tmp_path / "sandbox")
    yield process
    process.stop()


@pytest_asyncio.fixture
async def target(demo, homes):
    opened = await open_sandbox(demo, homes)
    yield opened
    await opened.aclose()


@pytest_asyncio.fixture
async def fresh_target(sandbox, homes):
    """The target on an empty sandbox (no demo world: tests/conftest.py's `sandbox`)."""
    opened = await open_sandbox(sandbox, homes)
    yield opened
    await opened.aclose()
