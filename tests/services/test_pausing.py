"""`deployment_state`, `pause_deployment` and `unpause_deployment` on every target kind, against one real
sandbox over loopback: Convex Cloud (a `CloudTarget` on the platform API), the sandbox target, and
self-hosted (a deployment reached only through its URL and admin key)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from cloud_world import PRO_DEV, STARTER_DEV, STARTER_PROD

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import InvalidRequest
from tui.api.platform.client import PlatformClient
from tui.services.cloud.target import CloudTarget
from tui.services.config.settings import Homes
from tui.services.deployment.env_store import EnvStore
from tui.services.errors import ReadOnlyRefused
from tui.services.self_hosted.local_store import LocalStore
from tui.services.protocol import BackupTarget, DeploymentState
from tui.services.self_hosted.target import SelfHostedTarget

# One deployment per kind, so the kinds cannot see each other's pauses.
KINDS = {"cloud": STARTER_DEV, "sandbox": PRO_DEV, "selfHosted": STARTER_PROD}
PAUSED_MESSAGE = "Cannot run functions while this deployment is paused."


@asynccontextmanager
async def open_target(kind: str, world, home, *, read_only: bool = False):
    name = KINDS[kind]
    if kind == "cloud":
        target = CloudTarget(
            PlatformClient(world.platform_url, world.token), EnvStore(home / "env"), read_only=lambda n: read_only
        )
    elif kind == "sandbox":
        target = world.target(home, read_only=frozenset({name} if read_only else ()))
    else:
        key = world.sandbox.credentials(name)["CONVEX_SELF_HOSTED_ADMIN_KEY"]
        homes = Homes(home / "config", home / "data")
        target = SelfHostedTarget(
            DeploymentClient(world.sandbox.deployments[name], key),
            LocalStore(homes.store_dir),
            EnvStore(homes.env_dir),
            read_only=lambda n: read_only,
        )
    try:
        assert isinstance(target, BackupTarget)
        yield target, await target.get_deployment(name)
    finally:
        await target.aclose()


def user_function_error(world, name: str) -> str:
    reply = world.http(name).post("/api/query", json={"path": "messages:list", "args": {}})
    return reply.json()["errorMessage"]


@pytest.mark.parametrize("kind", list(KINDS))
async def test_pause_and_unpause_round_trip(kind, world, home):
    async with open_target(kind, world, home) as (target, ref):
        assert await target.deployment_state(ref) == DeploymentState()
        state = await target.pause_deployment(ref)
        assert state.paused and state.summary == "paused" and not state.stopped_by_convex
        assert PAUSED_MESSAGE in user_function_error(world, ref.name)
        assert (await target.pause_deployment(ref)).paused  # pausing twice is fine
        assert await target.unpause_deployment(ref) == DeploymentState()
        assert PAUSED_MESSAGE not in user_function_error(world, ref.name)
        with pytest.raises(InvalidRequest, match="not currently paused"):
            await target.unpause_deployment(ref)


@pytest.mark.parametrize("kind", list(KINDS))
async def test_read_only_deployments_are_not_paused(kind, world, home):
    async with open_target(kind, world, home, read_only=True) as (target, ref):
        with pytest.raises(ReadOnlyRefused, match="will not pause"):
            await target.pause_deployment(ref)
        with pytest.raises(ReadOnlyRefused, match="will not unpause"):
            await target.unpause_deployment(ref)
        assert not (await target.deployment_state(ref)).paused  # reading the state is allowed


def test_state_summary_names_convex_stops():
    assert DeploymentState(system="disabled", user="paused").summary == "disabled"
    assert DeploymentState(usage_limit="disabled").summary == "stopped by a usage limit"
    assert DeploymentState(usage_limit="disabled").stopped_by_convex
