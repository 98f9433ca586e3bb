"""Fixtures of the emergency-checklist tests: a seeded sandbox process (the demo world) and the Cloud-kind
target opened on it through the services, exactly as tests/tui_restore does."""

from __future__ import annotations

import pytest
import pytest_asyncio

from deployment_data import open_sandbox

from tui.services.config.settings import Homes  # noqa: E402


@pytest.fixture
def homes(tmp_path):
    return Homes(tmp_path / "home" / "config", tmp_path / "home" / "data")


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
