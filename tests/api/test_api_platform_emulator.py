"""`PlatformClient` (with `DeploymentClient`) against the sandbox's emulated platform over loopback: the
whole cloud-backup path an operator takes, from a token to a restored deployment.

Skipped when the sandbox does not print a platform URL (the platform emulator is optional for this layer).
"""

from __future__ import annotations

import asyncio
import io
import time
import zipfile

import pytest
from sandbox_process import SandboxProcess

from tui.api.credentials.finder import find_credentials
from tui.api.deployment.client import DeploymentClient
from tui.api.errors import Conflict, PlanLimit
from tui.api.platform.client import PlatformClient


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    process = SandboxProcess(tmp_path_factory.mktemp("api-platform")).start()
    if not getattr(process, "platform_url", None):
        process.stop()
        pytest.skip("this sandbox does not serve the emulated platform API")
    yield process
    process.stop()


async def poll(fetch, done, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = await fetch()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"timed out; last value {value!r}"
        await asyncio.sleep(0.1)


async def test_discovery_and_credentials(world):
    async with PlatformClient(world.platform_url, world.access_token) as platform:
        assert await platform.check_token()
        [team] = await platform.teams()
        entitlements = await platform.entitlements(team.id)
        assert entitlements.max_cloud_backups == 2 and not entitlements.periodic_backups_enabled  # Starter
        [project] = await platform.projects(team.id)
        assert [p.id for p in await platform.v1_projects(team.id)] == [project.id]
        deployments = await platform.list_deployments(project.id)
        cloud = next(d for d in deployments if d.supports_cloud_backups)
        assert cloud.name == world.name and cloud.url == world.url
        assert (await platform.get_deployment(cloud.name)).id == cloud.id
        where = await platform.team_and_project(cloud.name)
        assert (where.team_slug, where.project_slug) == (team.slug, project.slug)
        auth = await platform.instance_auth(cloud.name)
        async with DeploymentClient(auth.instance_url, auth.admin_key, name=cloud.name) as api:
            assert (await api.deployment_info()).kind == "cloud"
    async with PlatformClient(world.platform_url, "not-a-real-token-123456") as stranger:
        assert await stranger.check_token() is False


async def test_backup_download_restore_and_limits(world):
    async with PlatformClient(world.platform_url, world.access_token) as platform:
        [team] = await platform.teams()
        [project] = await platform.projects(team.id)
        cloud = next(d for d in await platform.list_deployments(project.id) if d.supports_cloud_backups)
        auth = await platform.instance_auth(cloud.name)
        async with DeploymentClient(auth.instance_url, auth.admin_key, name=cloud.name) as api:
            await api.mutation("_system/frontend/addDocument", {"table": "things", "documents": [{"n": 1.0}]})
            first = await platform.request_cloud_backup(cloud.id, include_storage=False)
            assert first.state in ("requested", "inProgress")
            done = await poll(lambda: platform.get_cloud_backup(first.id), lambda b: b.is_terminal)
            assert done.state == "complete" and done.snapshot_id
            async with api.download_export(done.snapshot_id) as download:
                received = bytearray()
                await download.pour(received.extend)
            data = bytes(received)
            assert "things/documents.jsonl" in zipfile.ZipFile(io.BytesIO(data)).namelist()

            await api.mutation("_system/frontend/addDocument", {"table": "things", "documents": [{"n": 2.0}]})
            await platform.restore_from_cloud_backup(cloud.id, done.id)
            restore = await poll(api.list_imports, lambda imports: imports and imports[0].is_cloud_restore)
            assert restore[0].source_cloud_backup_id == done.id
            waiting = await poll(lambda: api.get_import(restore[0].id), lambda i: i.state != "uploaded")
            assert waiting.state == "waiting_for_confirmation"  # confirmation is the client's job
            await api.perform_import(waiting.id)
            finished = await poll(lambda: api.get_import(waiting.id), lambda i: i.is_terminal)
            assert finished.state == "completed" and await api.table_size("things") == 1

            second = await platform.request_cloud_backup(cloud.id)
            await poll(lambda: platform.get_cloud_backup(second.id), lambda b: b.is_terminal)
            with pytest.raises(PlanLimit) as caught:
                await platform.request_cloud_backup(cloud.id)
            assert "2 backups" in str(caught.value) and "Delete" in str(caught.value)
            with pytest.raises(Conflict):
                await platform.cancel_cloud_backup(second.id)  # already complete
            await platform.delete_cloud_backup(first.id)
            assert [b.id for b in await platform.list_cloud_backups(cloud.id)] == [second.id]
            with pytest.raises(PlanLimit) as caught:
                await platform.configure_periodic_backup(
                    cloud.id, "5 3 * * *", expiration_delta_secs=604800, include_storage=False
                )
            assert "Pro" in str(caught.value)
            assert await platform.get_periodic_backup_config(cloud.id) is None


async def test_the_cli_variables_lead_to_the_platform(world, tmp_path):
    """`sandbox credentials --platform` prints the Convex CLI's own variables; found the CLI's way, they
    reach the platform (and a team token, given the same way, is recognised as one)."""
    env = world.platform_credentials()
    found = find_credentials(env, tmp_path, tmp_path)
    assert found.target == "accessToken" and found.provision_host == world.platform_url.rstrip("/")
    kind, token = found.big_brain_token
    async with PlatformClient(found.provision_host, token) as platform:
        assert [t.slug for t in await platform.teams()]
    team_env = world.platform_credentials(team="sandbox")
    team_token = find_credentials(team_env, tmp_path, tmp_path).big_brain_token[1]
    async with PlatformClient(found.provision_host, team_token) as platform:
        details = await platform.token_details()
        assert details.type == "teamToken" and details.team_id is not None
