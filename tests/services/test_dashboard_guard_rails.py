"""The rules Convex's dashboard applies in the browser before it sends anything (`BackupListItem.tsx`,
`BackupDeploymentSelector.tsx`): no restore of a cloud backup into a dedicated (`d…`) deployment or into
another region, none while a backup or a restore runs on the target (whoever started it), and Cancel only
for a backup in progress. `CloudTarget` checks each before any request: a transport that records every
request to the platform shows that no restore or cancel request was sent, even when `prepare_restore` and
`cancel_backup` are called without the wizard's checks first."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from cloud_world import World
from sandbox_process import SandboxProcess, wait_for

from tui.api.platform.client import PlatformClient
from tui.emulator.platform.world import WorldEditor
from tui.services.cloud.target import CloudTarget
from tui.services.deployment.env_store import EnvStore
from tui.services.errors import Refused, RestoreRefused

SHOP_PROD, SHOP_DEV = "shop-prod-601", "shop-dev-602"
BIG = "big-prod-603"  # a dedicated class
CRM_EU = "crm-eu-604"  # another region


class RulesWorld(World):
    def __init__(self, data: Path):
        with WorldEditor(data) as world:
            acme = world.team("acme", "Acme", plan="pro")
            shop = world.project(acme, "shop", "Shop")
            world.deployment(shop, SHOP_PROD, "prod")
            world.deployment(shop, SHOP_DEV, "dev")
            world.deployment(shop, BIG, "prod", deployment_class="d1024", is_default=False)
            world.deployment(world.project(acme, "crm", "CRM"), CRM_EU, "prod", region="aws-eu-west-1")
        self.sandbox = SandboxProcess(data).start()
        self._http = {}

    def complete_backup(self, name: str) -> int:
        backup = self.platform("POST", f"/api/dashboard/deployments/{self.deployment_id(name)}/request_cloud_backup")
        return wait_for(
            lambda: backup["id"] if self.backup(backup["id"])["state"] == "complete" else None,
            timeout=60,
            message=f"a backup of {name}",
        )

    def backup(self, backup_id: int) -> dict:
        return self.platform("GET", f"/api/dashboard/cloud_backups/{backup_id}")


class Recording(httpx.AsyncHTTPTransport):
    """A real transport that remembers the path of every request it sends."""

    def __init__(self):
        super().__init__()
        self.paths: list[str] = []

    async def handle_async_request(self, request):
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)

    def sent(self, route: str) -> list[str]:
        return [path for path in self.paths if path.endswith(route)]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    started = RulesWorld(tmp_path_factory.mktemp("rules") / "sandbox")
    for name in (SHOP_PROD, SHOP_DEV, BIG, CRM_EU):
        started.add(name, "items", [{"n": i} for i in range(20)])
    yield started
    started.stop()


@pytest.fixture(scope="module")
def shop_backup(world) -> int:
    return world.complete_backup(SHOP_PROD)


@pytest.fixture
async def recorded(world, home):
    transport = Recording()
    target = CloudTarget(
        PlatformClient(world.platform_url, world.token, transport=transport), EnvStore(home / "data" / "env")
    )
    yield target, transport
    await target.aclose()


def cloud_restores(world, name: str) -> list[dict]:
    return [i for i in world.imports(name) if i["requestor"]["type"] == "cloudRestore"]


@pytest.mark.parametrize(
    "into, code, words",
    [
        (BIG, "DedicatedDeploymentRestore", "dedicated"),
        (CRM_EU, "CrossRegionRestore", "region"),
    ],
)
async def test_a_restore_the_dashboard_does_not_offer_sends_no_request(world, recorded, shop_backup, into, code, words):
    target, transport = recorded
    with pytest.raises(RestoreRefused) as refused:
        await target.prepare_restore(
            str(shop_backup), await target.get_deployment(into), source=await target.get_deployment(SHOP_PROD)
        )
    assert refused.value.code == code and words in refused.value.message
    assert transport.sent("/restore_from_cloud_backup") == [], transport.paths
    assert cloud_restores(world, into) == []


async def test_no_restore_is_asked_for_while_a_backup_runs_on_the_target(world, recorded, shop_backup):
    target, transport = recorded
    with world.sandbox.throttled(SHOP_DEV, 2.0):  # the backup stays running while the restore is tried
        running = world.platform(
            "POST", f"/api/dashboard/deployments/{world.deployment_id(SHOP_DEV)}/request_cloud_backup"
        )
        try:
            with pytest.raises(RestoreRefused) as refused:
                await target.prepare_restore(
                    str(shop_backup),
                    await target.get_deployment(SHOP_DEV),
                    source=await target.get_deployment(SHOP_PROD),
                )
            assert refused.value.code == "BackupInProgress" and str(running["id"]) in refused.value.message
        finally:
            world.platform("POST", f"/api/dashboard/cloud_backups/{running['id']}/cancel")
    assert transport.sent("/restore_from_cloud_backup") == [], transport.paths
    assert cloud_restores(world, SHOP_DEV) == []


async def test_no_restore_is_asked_for_while_one_started_elsewhere_waits(world, recorded, shop_backup):
    """A restore started by someone else (here: the platform's restore route called directly, as the dashboard
    calls it) blocks this app's restore before it asks for one."""
    target, transport = recorded
    world.platform(
        "POST",
        f"/api/dashboard/deployments/{world.deployment_id(SHOP_DEV)}/restore_from_cloud_backup",
        {"id": shop_backup},
    )
    (elsewhere,) = cloud_restores(world, SHOP_DEV)
    try:
        with pytest.raises(RestoreRefused) as refused:
            await target.prepare_restore(
                str(shop_backup), await target.get_deployment(SHOP_DEV), source=await target.get_deployment(SHOP_PROD)
            )
        assert refused.value.code == "RestoreInProgress" and elsewhere["_id"] in refused.value.message
        assert transport.sent("/restore_from_cloud_backup") == [], transport.paths
        assert len(cloud_restores(world, SHOP_DEV)) == 1
    finally:
        wait_for(
            lambda: next(i for i in cloud_restores(world, SHOP_DEV))["state"]["state"] != "uploaded",
            timeout=60,
            message="the restore parsed",
        )
        world.http(SHOP_DEV).post("/api/cancel_import", json={"importId": elsewhere["_id"]})


async def test_cancel_is_asked_for_only_while_a_backup_is_in_progress(world, recorded, shop_backup):
    target, transport = recorded
    dev = await target.get_deployment(SHOP_DEV)
    with pytest.raises(Refused, match="not cancelled: it is complete"):
        await target.cancel_backup(await target.get_deployment(SHOP_PROD), str(shop_backup))
    # A backup waits `requested` while a snapshot export holds the deployment's one export slot.
    with world.sandbox.throttled(SHOP_DEV, 1.0):
        assert world.http(SHOP_DEV).post("/api/export/request/zip").status_code == 200
        waiting = world.platform(
            "POST", f"/api/dashboard/deployments/{world.deployment_id(SHOP_DEV)}/request_cloud_backup"
        )
        assert world.backup(waiting["id"])["state"] == "requested"
        with pytest.raises(Refused) as refused:
            await target.cancel_backup(dev, str(waiting["id"]))
        assert refused.value.code == "CannotCancelBackup" and "has not started yet" in refused.value.message
        assert transport.sent("/cancel") == [], transport.paths
        assert world.backup(waiting["id"])["state"] in ("requested", "inProgress")
        wait_for(lambda: world.backup(waiting["id"])["state"] == "inProgress", timeout=60, message="it starts")
        await target.cancel_backup(dev, str(waiting["id"]))  # in progress: asked for, and done
    assert transport.sent("/cancel") == [f"/api/dashboard/cloud_backups/{waiting['id']}/cancel"]
    wait_for(lambda: world.backup(waiting["id"])["state"] == "canceled", timeout=60, message="canceled")
