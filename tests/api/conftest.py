"""Fixtures for the API layer's tests: one sandbox per test module (started over loopback like any
deployment) with a restricted key made beforehand, and a throttled one where states must be observed."""

from __future__ import annotations

import pytest
from sandbox_process import SandboxProcess

from tui.emulator.deployment.auth import VIEW_BACKUPS, VIEW_DATA
from tui.emulator.sandbox.folder import SandboxFolder


def _start(data, *, throttle: float = 0.0) -> SandboxProcess:
    folder = SandboxFolder(data)
    name = folder.create_deployment()
    view_only = folder.keys(name).create_restricted([VIEW_BACKUPS, VIEW_DATA])  # before the server loads keys
    process = SandboxProcess(data, throttle=throttle).start()
    process.key = process.admin_key
    process.view_only_key = view_only
    return process


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A running sandbox deployment shared by one test module."""
    process = _start(tmp_path_factory.mktemp("api"))
    yield process
    process.stop()


@pytest.fixture(scope="module")
def slow_deployment(tmp_path_factory):
    """A sandbox whose workers pause at every step, so in-between states can be seen."""
    process = _start(tmp_path_factory.mktemp("api-slow"), throttle=0.3)
    yield process
    process.stop()
