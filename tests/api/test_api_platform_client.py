"""`PlatformClient` against a small real big-brain stand-in on loopback: every route with Convex's shapes,
including the alternatives (bare arrays, pagination, null configs) and the
requests that must never be retried. `test_api_platform_emulator.py` runs it against the emulated platform."""

from __future__ import annotations

import pytest
from fault_server import FaultServer, Reply, SleepRecorder, error_reply, json_reply

from tui.api.errors import AuthError, NotFound, ServiceUnavailable
from tui.api.platform.client import PlatformClient

TOKEN = "pat-0123456789abcdefghijklmnop"
DEPLOY_KEY = "prod:happy-otter-123|ffeeddccbbaa99887766"
TEAM = {
    "id": 7,
    "name": "Acme",
    "slug": "acme",
    "creator": 1,
    "suspended": False,
    "referralCode": "X",
    "referredBy": None,
    "managedBy": {"oauthApp": "thing"},
    "defaultRegion": "aws-us-east-1",
    "ssoLoginId": None,
    "managedByUrl": None,
    "someFutureField": [1, 2],
}
PROJECT = {
    "id": 11,
    "name": "Shop",
    "slug": "shop",
    "teamId": 7,
    "createTime": 1700000000000,
    "prodDeploymentName": "happy-otter-123",
    "devDeploymentName": "calm-cat-9",
}
CLOUD = {
    "kind": "cloud",
    "id": 21,
    "name": "happy-otter-123",
    "createTime": 1700000000000,
    "lastDeployTime": None,
    "deploymentType": "prod",
    "projectId": 11,
    "creator": 1,
    "previewIdentifier": None,
    "region": "aws-eu-west-1",
    "isDefault": True,
    "reference": "production",
    "dashboardEditConfirmation": True,
    "deploymentUrl": "https://happy-otter-123.eu-west-1.convex.cloud/",
    "expiresAt": None,
    "class": "d1024",
    "sendLogsToClient": None,
}
LOCAL = {
    "kind": "local",
    "name": "local-acme-shop",
    "createTime": 1700000000000,
    "deploymentType": "dev",
    "projectId": 11,
    "creator": 1,
    "previewIdentifier": None,
    "port": 3210,
    "deviceName": "laptop",
    "isActive": True,
}
BACKUP = {
    "id": 31,
    "sourceDeploymentId": 21,
    "sourceDeploymentName": "happy-otter-123",
    "state": "inProgress",
    "snapshotId": "kh7abc",
    "requestedTime": 1700000001000,
    "expirationTime": 1700604801000,
    "includeStorage": True,
}
INSTANCE_KEY = "ey-opaque-instance-credential-000111"


def big_brain(request):
    route, query = request.route, request.path.partition("?")[2]
    if request.headers.get("authorization") not in (f"Bearer {TOKEN}", f"Bearer {DEPLOY_KEY}"):
        return error_reply(401, "AccessTokenInvalid", "The access token is invalid")
    routes = {
        ("HEAD", "/api/authorize"): Reply(200),
        ("GET", "/api/teams"): json_reply([TEAM]),
        ("GET", "/api/dashboard/teams"): json_reply([TEAM]),
        ("GET", "/api/teams/acme/projects"): json_reply([PROJECT]),
        ("GET", "/api/dashboard/teams/7/get_entitlements"): json_reply({"maxCloudBackups": 50}),
        ("GET", "/api/dashboard/member_data"): json_reply(
            {"teams": [TEAM], "projects": [PROJECT], "deployments": [CLOUD, LOCAL], "optInsToAccept": []}
        ),
        ("POST", "/api/dashboard/instances/happy-otter-123/auth"): json_reply(
            {"kind": "Cloud", "adminKey": INSTANCE_KEY, "instanceUrl": "https://happy-otter-123.convex.cloud/"}
        ),
        ("GET", "/api/dashboard/deployments/21/list_cloud_backups"): json_reply(
            [BACKUP, {**BACKUP, "id": 30, "state": "complete", "completedTime": 1700000009000}]
        ),
        ("GET", "/api/dashboard/cloud_backups/31"): json_reply(BACKUP),
        ("POST", "/api/dashboard/deployments/21/request_cloud_backup"): json_reply({**BACKUP, "state": "requested"}),
        ("POST", "/api/dashboard/cloud_backups/31/cancel"): json_reply(None),
        ("POST", "/api/dashboard/cloud_backups/30/delete"): Reply(200),
        ("POST", "/api/dashboard/deployments/22/restore_from_cloud_backup"): Reply(200),
        ("GET", "/api/dashboard/deployments/21/get_periodic_backup_config"): json_reply(
            {
                "sourceDeploymentId": 21,
                "cronspec": "7 17 * * 0",
                "expirationDeltaSecs": 1209600,
                "nextRun": 1700100000000,
                "includeStorage": False,
            }
        ),
        ("GET", "/api/dashboard/deployments/22/get_periodic_backup_config"): json_reply(None),
        ("POST", "/api/dashboard/deployments/21/configure_periodic_backup"): json_reply(
            {"sourceDeploymentId": 21, **(request.json() or {}), "nextRun": 1700200000000}
        ),
        ("POST", "/api/dashboard/deployments/21/disable_periodic_backup"): Reply(200),
        ("GET", "/api/deployment/happy-otter-123/team_and_project"): json_reply(
            {"team": "acme", "project": "shop", "teamId": 7, "projectId": 11, "deploymentId": 21}
        ),
        ("POST", "/api/deployment/url_for_key"): json_reply("https://happy-otter-123.convex.cloud"),
        ("POST", "/api/deployment/team_and_project_for_key"): json_reply(
            {
                "team": "acme",
                "project": "shop",
                "teamId": 7,
                "projectId": 11,
                "reference": "production",
                "isDefault": True,
            }
        ),
        ("POST", "/api/deployment/authorize_within_current_project"): json_reply(
            {
                "deploymentName": "calm-cat-9",
                "adminKey": "dev:calm-cat-9|aabbccddeeff0011",
                "url": "https://calm-cat-9.convex.cloud",
                "deploymentType": "dev",
                "reference": "dev/me",
                "isDefault": True,
            }
        ),
        ("POST", "/api/deployment/authorize_prod"): json_reply(
            {
                "deploymentName": "happy-otter-123",
                "adminKey": "prod:happy-otter-123|aabbccddeeff0022",
                "url": "https://happy-otter-123.convex.cloud",
                "deploymentType": "prod",
                "reference": "production",
                "isDefault": True,
            }
        ),
        ("GET", "/v1/token_details"): json_reply(
            {"type": "teamToken", "teamId": 7, "id": 99, "name": "ci", "createTime": 1700000000000}
        ),
        ("GET", "/v1/projects/11/list_deployments"): json_reply([CLOUD, LOCAL]),
        ("GET", "/v1/deployments/happy-otter-123"): json_reply(CLOUD),
        ("GET", "/v1/deployments/nope-nope-1"): error_reply(404, "DeploymentNotFound", "Deployment not found"),
    }
    if (request.method, route) == ("GET", "/api/dashboard/teams/7/projects"):  # the bare-array form
        return json_reply([PROJECT, {**PROJECT, "id": 12, "slug": "blog"}])
    if (request.method, route) in (("GET", "/v1/teams/7/projects"), ("GET", "/v1/teams/7/list_deployments")):
        item = PROJECT if route.endswith("projects") else CLOUD
        if "cursor=page2" in query:
            return json_reply({"items": [{**item, "id": 2}], "pagination": {"hasMore": False}})
        return json_reply({"items": [item], "pagination": {"hasMore": True, "nextCursor": "page2"}})
    return routes.get((request.method, route), error_reply(404, "NotFound", f"no route {route}"))


@pytest.fixture
async def platform():
    async with FaultServer(big_brain) as server:
        async with PlatformClient(server.url, TOKEN, sleep=SleepRecorder()) as client:
            client.server = server
            yield client


async def test_discovery(platform):
    assert repr(platform) == f"PlatformClient({platform.base_url!r})"
    assert await platform.check_token() is True
    [team] = await platform.teams()
    assert (team.id, team.slug, team.managed_by, team.default_region) == (7, "acme", "thing", "aws-us-east-1")
    assert [t.slug for t in await platform.cli_teams()] == ["acme"]
    entitlements = await platform.entitlements(7)
    assert entitlements.max_cloud_backups == 50 and entitlements.periodic_backups_enabled is False
    assert [p.slug for p in await platform.projects(7)] == ["shop", "blog"]
    assert [p.slug for p in await platform.cli_projects("acme")] == ["shop"]
    assert [p.id for p in await platform.v1_projects(7)] == [11, 2]
    page = await platform.projects_page(7, limit=1)
    assert page.has_more and page.next_cursor == "page2" and page.items[0].prod_deployment_name == "happy-otter-123"
    cloud, local = await platform.list_deployments(11)
    assert cloud.supports_cloud_backups and cloud.is_prod and cloud.is_dedicated
    assert cloud.url == "https://happy-otter-123.eu-west-1.convex.cloud" and cloud.region == "aws-eu-west-1"
    assert local.kind == "local" and local.id is None and not local.supports_cloud_backups
    assert local.url == "http://127.0.0.1:3210"
    assert [d.id for d in await platform.team_deployments(7)] == [21, 2]
    assert (await platform.get_deployment("happy-otter-123")).reference == "production"
    details = await platform.token_details()
    assert (details.type, details.team_id) == ("teamToken", 7)
    member = await platform.member_data()
    assert len(member.teams) == 1 and len(member.deployments) == 2
    where = await platform.team_and_project("happy-otter-123")
    assert (where.team_slug, where.project_slug, where.deployment_id) == ("acme", "shop", 21)
    requests = platform.server.requests
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in requests)
    assert all(r.headers["convex-client"].startswith("convex-backups-") for r in requests)
    assert "cursor=page2" in requests[7].path and "includeLocal=true" in requests[9].path


async def test_credentials(platform):
    auth = await platform.instance_auth("happy-otter-123")
    assert auth.kind == "Cloud" and auth.instance_url == "https://happy-otter-123.convex.cloud"
    assert auth.admin_key.reveal() == INSTANCE_KEY and INSTANCE_KEY not in repr(auth)
    assert await platform.url_for_key(DEPLOY_KEY) == "https://happy-otter-123.convex.cloud"
    keyed = await platform.team_and_project_for_key(DEPLOY_KEY)
    assert keyed.reference == "production" and keyed.is_default is True
    for request in platform.server.requests[1:]:
        assert request.headers["authorization"] == f"Bearer {DEPLOY_KEY}"
        assert request.json() == {"deployKey": DEPLOY_KEY}
    dev = await platform.authorize_within_current_project("calm-cat-9", deployment_type="dev")
    assert dev.deployment_name == "calm-cat-9" and "aabbcc" not in repr(dev)
    assert platform.server.requests[-1].json() == {
        "selectedDeploymentName": "calm-cat-9",
        "projectSelection": {"kind": "deploymentName", "deploymentName": "calm-cat-9", "deploymentType": "dev"},
    }
    prod = await platform.authorize_prod("calm-cat-9")
    assert prod.deployment_type == "prod" and prod.admin_key.reveal().endswith("0022")


async def test_backups_and_schedules(platform):
    newest, older = await platform.list_cloud_backups(21)
    assert newest.is_running and newest.snapshot_id == "kh7abc" and newest.include_storage
    assert older.state == "complete" and older.completed_time_ms == 1700000009000 and older.counts_toward_limit
    assert (await platform.get_cloud_backup(31)).expiration_time_ms == 1700604801000
    requested = await platform.request_cloud_backup(21, include_storage=True)
    assert requested.state == "requested" and platform.server.requests[-1].json() == {"includeStorage": True}
    await platform.cancel_cloud_backup(31)
    await platform.delete_cloud_backup(30)
    await platform.restore_from_cloud_backup(22, 30)
    assert platform.server.requests[-1].json() == {"id": 30}
    weekly = await platform.get_periodic_backup_config(21)
    assert weekly.utc_minute_hour_weekday == (7, 17, 0) and weekly.expiration_delta_secs == 1209600
    assert await platform.get_periodic_backup_config(22) is None
    daily = await platform.configure_periodic_backup(
        21, "5 3 * * *", expiration_delta_secs=604800, include_storage=True
    )
    assert platform.server.requests[-1].json() == {
        "cronspec": "5 3 * * *",
        "expirationDeltaSecs": 604800,
        "includeStorage": True,
    }
    assert daily.utc_minute_hour_weekday == (5, 3, None) and daily.next_run_ms == 1700200000000
    await platform.disable_periodic_backup(21)


async def test_errors_and_what_is_never_retried():
    def unavailable(request):
        return Reply(503)

    async with FaultServer(unavailable) as server:
        sleep = SleepRecorder()
        async with PlatformClient(server.url, TOKEN, sleep=sleep) as client:
            with pytest.raises(ServiceUnavailable):
                await client.request_cloud_backup(21)
            with pytest.raises(ServiceUnavailable):
                await client.restore_from_cloud_backup(22, 30)
            assert len(server.requests) == 2 and sleep.waits == []
            with pytest.raises(ServiceUnavailable):
                await client.list_cloud_backups(21)  # a read is retried
            assert len(server.requests) > 3
    async with FaultServer(big_brain) as server:
        async with PlatformClient(server.url, "expired-token-value", sleep=SleepRecorder()) as client:
            assert await client.check_token() is False
            with pytest.raises(AuthError) as caught:
                await client.teams()
            assert caught.value.code == "AccessTokenInvalid" and "npx convex login" in str(caught.value)
            assert "expired-token-value" not in str(caught.value) + repr(caught.value)
        async with PlatformClient(server.url, TOKEN) as client:
            with pytest.raises(NotFound):
                await client.get_deployment("nope-nope-1")
