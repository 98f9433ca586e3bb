from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The services tests' sandbox world is shared with these tests.
sys.path.insert(0, str(Path(__file__).parent.parent / "services"))

from cloud_world import World  # noqa: E402
from headless_support import clean_environ, run_cli  # noqa: E402,F401


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    started = World(tmp_path_factory.mktemp("cloud") / "sandbox")
    yield started
    started.stop()


