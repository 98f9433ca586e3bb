"""Pause, unpause and read the state of a deployment through its own API, the
same for every target kind: Cloud and the sandbox use the deployment credential big brain hands out,
self-hosted its admin key."""

from __future__ import annotations

from tui.api.deployment.client import DeploymentClient
from tui.services.protocol import DeploymentState


async def read_state(client: DeploymentClient) -> DeploymentState:
    state = await client.backend_state()
    return DeploymentState(state.system, state.usage_limit, state.user)


async def pause(client: DeploymentClient) -> DeploymentState:
    await client.pause_deployment()
    return await read_state(client)


async def unpause(client: DeploymentClient) -> DeploymentState:
    await client.unpause_deployment()
    return await read_state(client)
