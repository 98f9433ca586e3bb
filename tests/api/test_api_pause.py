"""`DeploymentClient` pause, unpause, state and audit log against the emulated deployment over loopback,
including an unpause whose answer is lost after the server applied it."""

from __future__ import annotations

import httpx
import pytest
from fault_server import FaultServer, Reply, Reset, SleepRecorder

from tui.api.deployment.client import DeploymentClient
from tui.api.deployment.models import BackendState
from tui.api.errors import InvalidRequest, NetworkError, PermissionDenied


def client(process, key: str | None = None, **kwargs) -> DeploymentClient:
    return DeploymentClient(process.url, key or process.key, name=process.name, **kwargs)


@pytest.fixture
async def api(deployment):
    async with client(deployment) as api:
        if (await api.backend_state()).user == "paused":
            await api.unpause_deployment()
        yield api


async def test_pause_unpause_and_state(api):
    assert await api.backend_state() == BackendState("none", "none", "none")
    await api.pause_deployment()
    await api.pause_deployment()  # idempotent
    assert await api.backend_state() == BackendState(user="paused")
    await api.unpause_deployment()
    assert (await api.backend_state()).user == "none"


async def test_unpausing_a_running_deployment_is_an_error(api):
    with pytest.raises(InvalidRequest) as caught:
        await api.unpause_deployment()
    assert caught.value.code == "UnpauseDeploymentFailed" and "not currently paused" in str(caught.value)


async def test_audit_events_follow_every_page(api):
    start = int((await api.audit_events(0))[-1].create_time_ms) + 1 if await api.audit_events(0) else 0
    for _ in range(3):
        await api.pause_deployment()
        await api.unpause_deployment()
    events = await api.audit_events(start, page_size=2)
    assert [e.action for e in events] == ["pause_deployment", "unpause_deployment"] * 3
    assert all(e.metadata == {} for e in events)


async def test_a_key_without_the_operation_is_refused_without_leaking_it(deployment, api):
    async with client(deployment, deployment.view_only_key) as viewer:
        with pytest.raises(PermissionDenied) as caught:
            await viewer.pause_deployment()
    assert caught.value.action == "deployment:pause"
    assert deployment.view_only_key not in str(caught.value) + repr(caught.value)
    assert deployment.view_only_key.split("|")[1] not in repr(viewer)


async def test_an_unpause_whose_answer_was_lost_counts_as_done(deployment, api):
    """The first attempt reaches the real deployment, which unpauses; its answer never arrives. The retry
    hears "not currently paused", which then means success."""
    await api.pause_deployment()
    forwarded: list[int] = []

    async def handler(request):
        async with httpx.AsyncClient(base_url=deployment.url) as real:
            reply = await real.post(request.route, headers={"Authorization": request.headers["authorization"]})
        forwarded.append(reply.status_code)
        return (
            Reset()
            if len(forwarded) == 1
            else Reply(reply.status_code, reply.content, {"Content-Type": "application/json"})
        )

    async with FaultServer(handler) as server:
        async with DeploymentClient(server.url, deployment.key, sleep=SleepRecorder()) as flaky:
            await flaky.unpause_deployment()
    assert forwarded == [200, 400]
    assert (await api.backend_state()).user == "none"


async def test_an_unpause_that_never_gets_an_answer_raises(deployment):
    async with FaultServer(lambda request: Reset()) as server:
        async with DeploymentClient(server.url, deployment.key, sleep=SleepRecorder()) as flaky:
            with pytest.raises(NetworkError):
                await flaky.unpause_deployment()
    assert len(server.requests) == 3
