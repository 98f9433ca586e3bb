from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sandbox_process import SandboxProcess  # noqa: E402


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
