"""The conformance suite: real clients that no one here wrote, each installed from its registry by the
suite itself (`real_clients.py`), against one sandbox (a deployment and its platform) on loopback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sandbox_process import SandboxProcess  # noqa: E402


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """One sandbox for the whole suite: `.url`, `.name`, `.key` (admin key), `.platform_url`,
    `.access_token`, `.team_token("sandbox")`."""
    process = SandboxProcess(tmp_path_factory.mktemp("conformance") / "sandbox").start()
    process.key = process.admin_key
    yield process
    process.stop()
