"""Fixtures of the restore-screen tests: a seeded sandbox process (the demo world) and the Cloud-kind
target opened on it through the services, plus helpers to read a deployment's documents."""

from __future__ import annotations

import pytest
import pytest_asyncio

from deployment_data import open_sandbox
from sandbox_process import start_demo_copy

from tui.services.config.settings import Homes  # noqa: E402


@pytest.fixture
def demo(demo_template, tmp_path):
    """A fresh copy of the demo world (seeded once per session: tests/conftest.py)."""
    process = start_demo_copy(demo_template, tmp_path / "sandbox")
    yield process
    process.stop()


@pytest_asyncio.fixture
async def target(demo, tmp_path):
    opened = await open_sandbox(demo, Homes(tmp_path / "home" / "config", tmp_path / "home" / "data"))
    yield opened
    await opened.aclose()
