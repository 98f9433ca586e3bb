from __future__ import annotations

import pytest
from cloud_world import World


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A sandbox with a Starter and a Pro team, shared by the tests of one module."""
    started = World(tmp_path_factory.mktemp("cloud") / "sandbox")
    yield started
    started.stop()


@pytest.fixture
def home(tmp_path):
    """This app's home (config and data) for one test."""
    return tmp_path / "home"
