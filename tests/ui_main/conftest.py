"""Fixtures for the TUI's Pilot tests: a real seeded `sandbox serve` process, and the Cloud-kind target
opened on it through the services' own opening function."""

from __future__ import annotations

import pytest

from pilot_support import open_cloud_target

from sandbox_process import SandboxProcess, start_demo_copy
from tui.services.config.settings import Homes


@pytest.fixture(scope="module")
def demo_sandbox(demo_template, tmp_path_factory):
    """The demo teams (indie-studio on Starter, acme-corp on Pro); a copy of the demo world seeded once per
    session. Unthrottled: a test that watches a backup or restore run slows it with `demo_sandbox.throttled`."""
    process = start_demo_copy(demo_template, tmp_path_factory.mktemp("tui") / "sandbox")
    yield process
    process.stop()


@pytest.fixture
def sandbox_process(tmp_path):
    """A fresh sandbox of its own, for a test that changes what the others would see."""
    process = SandboxProcess(tmp_path / "sandbox").start()
    yield process
    process.stop()


@pytest.fixture
def homes(tmp_path) -> Homes:
    return Homes(tmp_path / "config", tmp_path / "data")


@pytest.fixture
def open_demo(demo_sandbox, homes):
    """`await open_demo(read_only=...)` → a CloudTarget on the sandbox's platform API."""
    opened = []

    async def opener(read_only: frozenset[str] = frozenset()):
        target = await open_cloud_target(demo_sandbox, homes, read_only_names=read_only)
        opened.append(target)
        return target

    yield opener
