from __future__ import annotations

import pytest
from platform_support import Api, start_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A sandbox with two teams (Starter `sandbox`, Pro `acme`) on a manual clock, shared by a module."""
    sandbox = start_world(tmp_path_factory.mktemp("platform") / "sandbox")
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def api(world):
    client = Api(world)
    yield client
    client.close()
