"""Fixtures for the file services' tests: ZIP samples, a sandbox deployment reached only through its URL
and admin key (the self-hosted case), and the misbehaving loopback server of the API tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "api"))  # fault_server: a real misbehaving HTTP server


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """One sandbox deployment per test module, used only through its URL and admin key (the self-hosted
    case): `.url`, `.admin_key`."""
    from sandbox_process import SandboxProcess

    process = SandboxProcess(tmp_path_factory.mktemp("self-hosted") / "sandbox").start()
    process.key = process.admin_key
    yield process
    process.stop()


class Clock:
    """A clock the test moves (`advance(hours=1)`)."""

    def __init__(self, now=None):
        from datetime import datetime, timezone

        self.now = now or datetime.now(timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()
