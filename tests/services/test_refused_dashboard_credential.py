"""When big brain refuses the dashboard's `instances/{name}/auth` to the token (no Convex client calls it
with a CLI login token), every operation that needs a deployment's own API still works through the
Convex CLI's `authorize_within_current_project`, and the debug log says which route gave the credential."""

from __future__ import annotations

import logging

import pytest
from cloud_world import STARTER_DEV, STARTER_PROD

from tui.services.cloud.deployment_credentials import WITHIN_PROJECT_ROUTE

NOTES = [{"title": f"note {i}"} for i in range(40)]


@pytest.fixture
def refused(world):
    world.add(STARTER_PROD, "notes", NOTES)
    world.set_env(STARTER_PROD, {"API_KEY": "kept-secret-123"})
    world.http(STARTER_DEV)  # the test's own view of the data, opened before the switch
    world.sandbox.refuse(
        route="instanceAuth",
        status=403,
        code="Forbidden",
        message="This token may not use the dashboard's instance credentials.",
    )
    yield
    world.sandbox.refuse(clear=True)


def _requests(caplog, needle: str) -> int:
    return sum(1 for r in caplog.records if r.name == "tui.api.transport.http" and needle in r.getMessage())


async def test_every_operation_works_through_the_cli_routes(world, home, tmp_path, refused, caplog):
    caplog.set_level(logging.DEBUG, logger="tui")
    target = world.target(home)
    try:
        prod, dev = await target.get_deployment(STARTER_PROD), await target.get_deployment(STARTER_DEV)
        # progress: a backup followed through the deployment's own queries
        record = await target.request_backup(prod)
        seen = [p async for p in target.follow_backup(prod, record.id)]
        assert seen[-1].state == "complete"
        # download
        result = await target.download_backup(prod, record.id, folder=tmp_path / "downloads")
        assert result.path.exists()
        # env save
        saved = await target.env_save(prod)
        assert saved.values["API_KEY"] == "kept-secret-123"
        # restore into another deployment
        plan = await target.prepare_restore(record.id, dev, source=prod)
        await target.confirm_restore(plan)
        assert [p async for p in target.follow_restore(plan)][-1].state == "completed"
        assert (await target.restore_result(plan)).ok
        assert len(world.documents(STARTER_DEV, "notes")) == len(NOTES)
        # pause and unpause
        assert (await target.pause_deployment(dev)).paused
        assert not (await target.unpause_deployment(dev)).paused
    finally:
        await target.aclose()
    said = [r.getMessage() for r in caplog.records if r.name == "tui.services.credentials"]
    assert any(f"credential for deployment {STARTER_PROD}: {WITHIN_PROJECT_ROUTE}" in m for m in said), said
    assert any(f"credential for deployment {STARTER_DEV}: {WITHIN_PROJECT_ROUTE}" in m for m in said), said
    # the refused route is asked once, not again for every deployment
    assert _requests(caplog, "POST /api/dashboard/instances/") == 1
    assert "kept-secret-123" not in caplog.text


async def test_the_prod_deployment_falls_back_to_authorize_prod(world, home, caplog):
    caplog.set_level(logging.DEBUG, logger="tui")
    world.sandbox.refuse(route="instanceAuth", status=401, code="AccessTokenInvalid", message="not here")
    world.sandbox.refuse(route="authorizeWithinProject", status=403, code="Forbidden", message="nor here")
    target = world.target(home)
    try:
        prod, dev = await target.get_deployment(STARTER_PROD), await target.get_deployment(STARTER_DEV)
        assert (await target.env_live(prod)).deployment == STARTER_PROD
        with pytest.raises(Exception, match="nor here"):  # a dev deployment has no such fallback: said plainly
            await target.env_live(dev)
    finally:
        world.sandbox.refuse(clear=True)
        await target.aclose()
    said = [r.getMessage() for r in caplog.records if r.name == "tui.services.credentials"]
    assert f"credential for deployment {STARTER_PROD}: POST /api/deployment/authorize_prod" in said


async def test_a_deploy_keys_url_is_derived_as_the_cli_does_when_url_for_key_refuses(world):
    from tui.api.errors import AuthError
    from tui.api.platform.client import PlatformClient
    from tui.api.secrets import Secret
    from tui.services.config.open_target import deploy_key_url

    unknown = Secret("prod:gentle-salmon-943|c2VjcmV0LW5vdC1rbm93bg")  # big brain does not know this key
    async with PlatformClient(world.platform_url, unknown) as platform:
        assert await deploy_key_url(platform, unknown, production=True) == "https://gentle-salmon-943.convex.cloud"
        with pytest.raises(AuthError):  # elsewhere (a sandbox, a test host) the refusal is the answer
            await deploy_key_url(platform, unknown, production=False)
