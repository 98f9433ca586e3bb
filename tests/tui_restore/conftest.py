"""Fixtures of the restore-screen tests: a seeded sandbox process (the demo world) and the Cloud-kind
target opened on it through the services, plus helpers to read a deployment's documents."""

from __future__ import annotations

import pytest_asyncio

from deployment_data import open_sandbox

from tui.services.config.settings import Homes  # noqa: E402


@pytest_asyncio.fixture
async def target(demo, tmp_path):
    opened = await open_sandbox(demo, Homes(tmp_path / "home" / "config", tmp_path / "home" / "data"))
    yield opened
    await opened.aclose()
