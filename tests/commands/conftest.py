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


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """The command's home (config and data folders) for the module's headless runs."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def cli(world, home):
    """`cli("list", "--json")`: the real `convex-backups` command, pointed at the module's world."""

    def run(*args: str):
        return run_cli(home, clean_environ(**world.environ(home)), *args)

    return run
