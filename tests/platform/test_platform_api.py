"""The platform API's directory over real HTTP: bearer auth and its failures, each kind of token only on
the routes Convex documents for it, other teams' resources, tokens and credentials, and every discovery
route (dashboard, CLI, /v1) with Convex's shapes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import httpx
import pytest
from platform_support import EPOCH_MS, MEMBER_TOKENS, Api, expect_error
from websockets.sync.client import connect

TEAM_KEYS = {
    "id",
    "name",
    "slug",
    "creator",
    "suspended",
    "referralCode",
    "referredBy",
    "managedBy",
    "defaultRegion",
    "ssoLoginId",
    "managedByUrl",
}
PROJECT_KEYS = {"id", "name", "slug", "teamId", "createTime", "prodDeploymentName", "devDeploymentName"}
DEPLOYMENT_KEYS = {
    "kind",
    "id",
    "name",
    "createTime",
    "lastDeployTime",
    "deploymentType",
    "projectId",
    "creator",
    "previewIdentifier",
    "region",
    "isDefault",
    "reference",
    "dashboardEditConfirmation",
    "deploymentUrl",
    "expiresAt",
    "class",
    "sendLogsToClient",
}


@pytest.fixture(scope="module")
def starter_api(world):
    """The login token of a member of the Starter team only: it sees team `sandbox` only."""
    client = Api(world, MEMBER_TOKENS["sandbox"])
    yield client
    client.close()


@pytest.fixture(scope="module")
def starter_team_api(world):
    """The Starter team's team token: `/v1` only, and team `sandbox` only."""
    client = Api(world, world.team_token("sandbox"))
    yield client
    client.close()


# -- auth failures ----------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/api/dashboard/teams"),
    ("GET", "/api/dashboard/member_data"),
    ("GET", "/api/teams"),
    ("GET", "/v1/token_details"),
    ("GET", "/api/dashboard/deployments/300001/list_cloud_backups"),
    ("POST", "/api/dashboard/deployments/300001/request_cloud_backup"),
    ("POST", "/api/dashboard/instances/starter-prod-101/auth"),
]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer sbx_pat_not-a-real-token-at-all", "Bearer", "Convex abc", "Basic dXNlcjpwYXNz"]
)
def test_missing_wrong_or_malformed_tokens_are_401(world, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    for method, path in ROUTES:
        reply = httpx.request(method, world.platform_url + path, headers=headers, json={}, timeout=30)
        expect_error(reply, 401, "AccessTokenInvalid")
    head = httpx.head(world.platform_url + "/api/authorize", headers=headers, timeout=30)
    assert head.status_code == 401


def test_authorize_accepts_login_tokens(world):
    for token in (world.access_token, MEMBER_TOKENS["sandbox"]):
        reply = httpx.head(world.platform_url + "/api/authorize", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200
    for token in (world.team_token("sandbox"), world.team_token("acme")):
        reply = httpx.head(world.platform_url + "/api/authorize", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 403


def test_a_team_token_works_on_v1_only(world, api, starter_api, starter_team_api):
    """Convex documents team tokens for the management API (`/v1`) and, as `Convex <token>`, for the
    team's deployments; the dashboard's and the CLI's routes are for the token of `npx convex login`."""
    starter, deployment = api.team_id("sandbox"), api.deployment_id("starter-prod-101")
    selection = {
        "selectedDeploymentName": "starter-prod-101",
        "projectSelection": {"kind": "deploymentName", "deploymentName": "starter-prod-101"},
    }
    for method, path, body in [
        ("GET", "/api/dashboard/teams", None),
        ("GET", "/api/dashboard/member_data", None),
        ("GET", f"/api/dashboard/teams/{starter}/projects", None),
        ("GET", f"/api/dashboard/teams/{starter}/get_entitlements", None),
        ("GET", f"/api/dashboard/teams/{starter}/get_audit_log_events", None),
        ("GET", f"/api/dashboard/deployments/{deployment}/list_cloud_backups", None),
        ("POST", f"/api/dashboard/deployments/{deployment}/request_cloud_backup", {}),
        ("GET", f"/api/dashboard/deployments/{deployment}/get_periodic_backup_config", None),
        ("POST", "/api/dashboard/instances/starter-prod-101/auth", None),
        ("GET", "/api/teams", None),
        ("GET", "/api/teams/sandbox/projects", None),
        ("GET", "/api/deployment/starter-prod-101/team_and_project", None),
        ("POST", "/api/deployment/authorize_within_current_project", selection),
        ("POST", "/api/deployment/authorize_prod", {"deploymentName": "starter-prod-101"}),
    ]:
        before = len(api.backups("starter-prod-101"))
        reply = starter_team_api.get(path) if method == "GET" else starter_team_api.post(path, body)
        message = expect_error(reply, 403, "TokenKindNotAccepted")
        assert "/v1" in message and world.team_token("sandbox") not in message, path
        assert len(api.backups("starter-prod-101")) == before  # nothing was started
        if method == "GET":  # the login token of a member of the same team may
            assert starter_api.get(path).status_code == 200, path
    for path in (
        "/v1/token_details",
        f"/v1/teams/{starter}/projects",
        f"/v1/teams/{starter}/list_deployments",
        "/v1/deployments/starter-prod-101",
    ):
        assert starter_team_api.get(path).status_code == 200, path
    url = world.deployments["starter-prod-101"]
    reply = httpx.get(
        url + "/api/v1/list_environment_variables", headers={"Authorization": f"Convex {world.team_token('sandbox')}"}
    )
    assert reply.status_code == 200


def test_a_deploy_key_works_on_its_deployment_only(world, api):
    """A deploy key is no access token: big brain knows it on the CLI's two deploy-key lookups only."""
    key = "prod:" + world.credentials("starter-prod-101")["CONVEX_SELF_HOSTED_ADMIN_KEY"]
    with world.platform_client(key) as client:
        for method, path in [
            ("GET", "/api/dashboard/teams"),
            ("GET", "/api/teams"),
            ("GET", "/v1/token_details"),
            ("GET", "/v1/deployments/starter-prod-101"),
            ("POST", "/api/dashboard/instances/starter-prod-101/auth"),
        ]:
            expect_error(client.request(method, path), 401, "AccessTokenInvalid")
        assert (
            client.post("/api/deployment/url_for_key", json={"deployKey": key}).json()
            == world.deployments["starter-prod-101"]
        )
    url = world.deployments["starter-prod-101"]
    assert (
        httpx.get(url + "/api/v1/list_environment_variables", headers={"Authorization": f"Convex {key}"}).status_code
        == 200
    )


def test_other_teams_resources_look_missing(world, api, starter_api, starter_team_api):
    """A member of the Starter team only gets the same 404 for Acme's resources as for ones that do not
    exist, on every route; so does the Starter team's token on `/v1`."""
    acme = api.team_id("acme")
    acme_deployment = api.deployment_id("acme-prod-201")
    acme_project = api.ok("GET", "/v1/deployments/acme-prod-201")["projectId"]
    for reply, code in [
        (starter_api.get(f"/api/dashboard/teams/{acme}/get_entitlements"), "TeamNotFound"),
        (starter_api.get("/api/dashboard/teams/999999/get_entitlements"), "TeamNotFound"),
        (starter_api.get(f"/v1/teams/{acme}/projects"), "TeamNotFound"),
        (starter_api.get("/api/teams/acme/projects"), "TeamNotFound"),
        (starter_api.get(f"/api/dashboard/projects/{acme_project}"), "ProjectNotFound"),
        (starter_api.get(f"/v1/projects/{acme_project}/list_deployments"), "ProjectNotFound"),
        (starter_api.get(f"/api/dashboard/deployments/{acme_deployment}/list_cloud_backups"), "DeploymentNotFound"),
        (starter_api.get("/api/dashboard/deployments/999999/list_cloud_backups"), "DeploymentNotFound"),
        (
            starter_api.post(f"/api/dashboard/deployments/{acme_deployment}/request_cloud_backup", {}),
            "DeploymentNotFound",
        ),
        (starter_api.post("/api/dashboard/instances/acme-prod-201/auth"), "DeploymentNotFound"),
        (starter_api.get("/v1/deployments/acme-prod-201"), "DeploymentNotFound"),
        (starter_api.get("/v1/deployments/no-such-999"), "DeploymentNotFound"),
        (starter_api.get("/api/deployment/acme-prod-201/team_and_project"), "DeploymentNotFound"),
        (
            starter_api.get(f"/api/dashboard/deployments/{acme_deployment}/get_periodic_backup_config"),
            "DeploymentNotFound",
        ),
    ]:
        expect_error(reply, 404, code)
    for path, code in [
        (f"/v1/teams/{acme}/projects", "TeamNotFound"),
        (f"/v1/projects/{acme_project}/list_deployments", "ProjectNotFound"),
        ("/v1/deployments/acme-prod-201", "DeploymentNotFound"),
    ]:
        expect_error(starter_team_api.get(path), 404, code)
    assert [t["slug"] for t in starter_api.ok("GET", "/api/dashboard/teams")] == ["sandbox"]
    # ... and a backup of another team is missing too.
    backup = api.complete_backup("acme-spare-208")
    expect_error(starter_api.backup(backup["id"]), 404, "CloudBackupNotFound")
    expect_error(starter_api.post(f"/api/dashboard/cloud_backups/{backup['id']}/delete"), 404, "CloudBackupNotFound")
    expect_error(starter_api.backup(123456789), 404, "CloudBackupNotFound")


def test_bad_path_ids(api):
    expect_error(api.get("/api/dashboard/deployments/abc/list_cloud_backups"), 400, "BadPathArgs")
    expect_error(api.get("/api/dashboard/no/such/route"), 404, "NotFound")


# -- tokens and credentials -------------------------------------------------------------------------


def test_token_details(api, starter_team_api):
    team = starter_team_api.ok("GET", "/v1/token_details")
    assert team["type"] == "teamToken" and team["teamId"] == api.team_id("sandbox")
    assert set(team) == {"type", "teamId", "id", "name", "createTime"}
    member = api.ok("GET", "/v1/token_details")
    assert member["type"] == "accessToken" and isinstance(member["memberId"], int)


def test_token_files_and_credentials_command(world):
    data = world.data
    for path in [data / "access_token", *sorted((data / "team_tokens").iterdir())]:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(data / "team_tokens").st_mode) == 0o700
    env = world.platform_credentials()
    assert env == {"CONVEX_PROVISION_HOST": world.platform_url, "CONVEX_OVERRIDE_ACCESS_TOKEN": world.access_token}
    assert world.platform_credentials("acme")["CONVEX_OVERRIDE_ACCESS_TOKEN"] == world.team_token("acme")
    missing = subprocess.run(
        [sys.executable, "-m", "tui", "sandbox", "credentials", "--platform", "--team", "nope", "--data", str(data)],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "nope" in missing.stderr


def test_no_token_is_ever_printed_or_stored_in_clear(world, api):
    api.instance("starter-prod-101")
    secrets = [world.access_token, world.team_token("sandbox"), world.team_token("acme")]
    output = "".join(world.output)
    assert "Platform API is serving at" in output
    stored = b"".join(p.read_bytes() for p in world.data.glob("platform.sqlite3*"))
    for secret in secrets:
        assert secret not in output
        assert secret.encode() not in stored


def test_instance_credential_opens_the_deployment(world, api, starter_api):
    url, key = api.instance("starter-prod-101")
    assert url == world.deployments["starter-prod-101"] and not url.endswith("/")
    info = httpx.get(url + "/api/v1/deployment_info", headers={"Authorization": f"Convex {key}"}).json()
    assert info == {
        "kind": "cloud",
        "teamId": api.team_id("sandbox"),
        "projectId": api.ok("GET", "/v1/deployments/starter-prod-101")["projectId"],
        "projectName": "Sandbox",
        "projectSlug": "sandbox",
        "id": api.deployment_id("starter-prod-101"),
        "deploymentType": "prod",
        "reference": "production",
    }
    # The same credential works in `?adminKey=` (download links), and so does a bare team token.
    assert httpx.get(url + "/api/v1/list_environment_variables", params={"adminKey": key}).status_code == 200
    team_token = world.team_token("sandbox")
    assert (
        httpx.get(
            url + "/api/v1/list_environment_variables", headers={"Authorization": f"Convex {team_token}"}
        ).status_code
        == 200
    )
    # Another team's token, or a credential wrapping a wrong token, is not an admin of this deployment.
    for wrong in (world.team_token("acme"), key[:-6] + "AAAAAA", "sbxi_bm9wZQ"):
        reply = httpx.get(url + "/api/v1/list_environment_variables", headers={"Authorization": f"Convex {wrong}"})
        expect_error(reply, 401, "BadAdminKey")
    # The deployment's own admin key (what `sandbox credentials` prints) is the self-hosted guise.
    admin_key = world.credentials("starter-prod-101")["CONVEX_SELF_HOSTED_ADMIN_KEY"]
    info = httpx.get(url + "/api/v1/deployment_info", headers={"Authorization": f"Convex {admin_key}"}).json()
    assert info == {"kind": "selfHosted"}
    # A one-team member's credential works on its team's deployments only.
    assert starter_api.instance("starter-dev-102")[0] == world.deployments["starter-dev-102"]


# -- discovery ----------------------------------------------------------------------------------------


def test_teams_and_entitlements(api):
    teams = api.ok("GET", "/api/dashboard/teams")
    assert [t["slug"] for t in teams] == ["sandbox", "acme"]
    assert all(set(t) == TEAM_KEYS and not t["suspended"] for t in teams)
    assert api.ok("GET", "/api/teams") == teams
    ids = {t["slug"]: t["id"] for t in teams}
    assert api.ok("GET", f"/api/dashboard/teams/{ids['sandbox']}/get_entitlements") == {
        "periodicBackupsEnabled": False,
        "maxCloudBackups": 2,
    }
    pro = api.ok("GET", f"/api/dashboard/teams/{ids['acme']}/get_entitlements")
    assert pro["periodicBackupsEnabled"] is True and pro["maxCloudBackups"] > 2


def test_dashboard_projects(api):
    acme = api.team_id("acme")
    projects = api.ok("GET", f"/api/dashboard/teams/{acme}/projects")
    assert isinstance(projects, list) and all(set(p) == PROJECT_KEYS for p in projects)
    assert [p["slug"] for p in projects] == ["spare", "europe", "ops", "shop"]  # newest first
    shop = next(p for p in projects if p["slug"] == "shop")
    assert shop["prodDeploymentName"] == "acme-prod-201" and shop["devDeploymentName"] == "acme-dev-202"
    assert shop["teamId"] == acme and shop["createTime"] == EPOCH_MS
    page = api.ok("GET", f"/api/dashboard/teams/{acme}/projects", limit=2)
    assert [p["slug"] for p in page["items"]] == ["spare", "europe"] and page["pagination"]["hasMore"]
    assert api.ok("GET", f"/api/dashboard/teams/{acme}/projects/shop") == shop
    assert api.ok("GET", f"/api/dashboard/projects/{shop['id']}") == shop
    expect_error(api.get(f"/api/dashboard/teams/{acme}/projects/nope"), 404, "ProjectNotFound")


def test_member_data(api, starter_api):
    data = api.ok("GET", "/api/dashboard/member_data")
    assert set(data) == {"teams", "projects", "deployments", "optInsToAccept"}
    assert len(data["teams"]) == 2 and len(data["deployments"]) == 12
    assert all(set(d) == DEPLOYMENT_KEYS for d in data["deployments"])
    mine = starter_api.ok("GET", "/api/dashboard/member_data")
    assert {d["name"] for d in mine["deployments"]} == {"starter-prod-101", "starter-dev-102", "starter-extra-103"}


def test_v1_projects_paginated(api):
    acme = api.team_id("acme")
    seen, cursor = [], None
    while True:
        page = api.ok("GET", f"/v1/teams/{acme}/projects", limit=1, **({"cursor": cursor} if cursor else {}))
        assert set(page) == {"items", "pagination"} and len(page["items"]) == 1
        seen.extend(page["items"])
        if not page["pagination"]["hasMore"]:
            assert "nextCursor" not in page["pagination"]
            break
        cursor = page["pagination"]["nextCursor"]
    ids = [p["id"] for p in seen]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4
    assert all(p["teamSlug"] == "acme" and set(p) == PROJECT_KEYS | {"teamSlug"} for p in seen)
    assert api.ok("GET", f"/v1/teams/{acme}/projects")["items"] == seen
    assert api.ok("GET", f"/v1/teams/{acme}/list_projects") == seen
    assert api.ok("GET", "/v1/teams/acme/projects/shop")["slug"] == "shop"
    assert api.ok("GET", f"/v1/projects/{seen[0]['id']}") == seen[0]
    expect_error(api.get(f"/v1/teams/{acme}/projects", limit=0), 400, "BadQueryArgs")
    expect_error(api.get(f"/v1/teams/{acme}/projects", limit=101), 400, "BadQueryArgs")


def test_v1_deployments(api, world):
    shop = api.ok("GET", "/v1/deployments/acme-prod-201")
    assert set(shop) == DEPLOYMENT_KEYS
    assert shop["kind"] == "cloud" and shop["deploymentType"] == "prod" and shop["isDefault"] is True
    assert shop["region"] == "aws-us-east-1" and shop["class"] == "s16" and shop["reference"] == "production"
    assert shop["deploymentUrl"] == world.deployments["acme-prod-201"]
    listed = api.ok("GET", f"/v1/projects/{shop['projectId']}/list_deployments", includeLocal="true")
    assert [d["name"] for d in listed] == ["acme-prod-201", "acme-dev-202", "acme-preview-203"]
    preview = listed[2]
    assert preview["deploymentType"] == "preview" and preview["previewIdentifier"] == "feature-x"
    assert not preview["isDefault"]
    only_dev = api.ok("GET", f"/v1/projects/{shop['projectId']}/list_deployments", deploymentType="dev")
    assert [d["name"] for d in only_dev] == ["acme-dev-202"]
    defaults = api.ok("GET", f"/v1/projects/{shop['projectId']}/list_deployments", isDefault="true")
    assert [d["name"] for d in defaults] == ["acme-prod-201", "acme-dev-202"]
    assert api.ok("GET", "/v1/deployments/acme-eu-206")["region"] == "aws-eu-west-1"
    assert api.ok("GET", "/v1/deployments/acme-big-207")["class"] == "d1024"

    acme = api.team_id("acme")
    everything = api.ok("GET", f"/v1/teams/{acme}/list_deployments", sortBy="reference", sortOrder="asc")
    assert len(everything["items"]) == 9 and not everything["pagination"]["hasMore"]
    references = [d["reference"] for d in everything["items"]]
    assert references == sorted(references)
    page = api.ok("GET", f"/v1/teams/{acme}/list_deployments", limit=4)
    assert len(page["items"]) == 4 and page["pagination"] == {"hasMore": True, "nextCursor": "4"}
    rest = api.ok("GET", f"/v1/teams/{acme}/list_deployments", limit=100, cursor="4")
    assert len(rest["items"]) == 5
    prods = api.ok("GET", f"/v1/teams/{acme}/list_deployments", deploymentType="prod", projectId=shop["projectId"])
    assert [d["name"] for d in prods["items"]] == ["acme-prod-201"]


def test_cli_discovery_routes(api, world):
    acme = api.team_id("acme")
    projects = api.ok("GET", "/api/teams/acme/projects")
    assert {p["slug"] for p in projects} == {"shop", "ops", "europe", "spare"}
    assert all(set(p) == PROJECT_KEYS for p in projects)
    shop = next(p for p in projects if p["slug"] == "shop")
    assert api.ok("GET", "/api/deployment/acme-dev-202/team_and_project") == {
        "team": "acme",
        "project": "shop",
        "teamId": acme,
        "projectId": shop["id"],
        "deploymentId": api.deployment_id("acme-dev-202"),
    }
    selection = {"kind": "deploymentName", "deploymentName": "acme-prod-201", "deploymentType": "prod"}
    creds = api.ok(
        "POST",
        "/api/deployment/authorize_within_current_project",
        {"selectedDeploymentName": "acme-dev-202", "projectSelection": selection},
    )
    assert set(creds) == {"deploymentName", "adminKey", "url", "deploymentType", "reference", "isDefault"}
    assert creds["deploymentName"] == "acme-dev-202" and creds["deploymentType"] == "dev"
    assert creds["url"] == world.deployments["acme-dev-202"]
    reply = httpx.get(
        creds["url"] + "/api/v1/deployment_info", headers={"Authorization": f"Convex {creds['adminKey']}"}
    )
    assert reply.json()["kind"] == "cloud"
    by_slugs = api.ok(
        "POST",
        "/api/deployment/authorize_within_current_project",
        {
            "selectedDeploymentName": "acme-prod-201",
            "projectSelection": {"kind": "teamAndProjectSlugs", "teamSlug": "acme", "projectSlug": "shop"},
        },
    )
    assert by_slugs["deploymentName"] == "acme-prod-201" and by_slugs["isDefault"] is True
    outside = api.post(
        "/api/deployment/authorize_within_current_project",
        {"selectedDeploymentName": "acme-ops-204", "projectSelection": selection},
    )
    expect_error(outside, 404, "DeploymentNotFound")
    prod = api.ok("POST", "/api/deployment/authorize_prod", {"deploymentName": "acme-preview-203"})
    assert prod["deploymentName"] == "acme-prod-201" and prod["deploymentType"] == "prod"


def test_deploy_key_routes(world):
    admin_key = world.credentials("acme-ops-204")["CONVEX_SELF_HOSTED_ADMIN_KEY"]
    deploy_key = f"prod:{admin_key}"

    def post(path: str, key: str, bearer: str | None = None) -> httpx.Response:
        return httpx.post(
            world.platform_url + path, json={"deployKey": key}, headers={"Authorization": f"Bearer {bearer or key}"}
        )

    url = post("/api/deployment/url_for_key", deploy_key)
    assert url.status_code == 200 and url.json() == world.deployments["acme-ops-204"]
    details = post("/api/deployment/team_and_project_for_key", deploy_key).json()
    assert details["team"] == "acme" and details["project"] == "ops"
    assert details["reference"] == "production" and details["isDefault"] is True
    assert {"teamId", "projectId"} <= set(details)
    wrong = deploy_key[:-4] + "0000"
    expect_error(post("/api/deployment/url_for_key", wrong), 401, "AccessTokenInvalid")
    expect_error(
        post("/api/deployment/team_and_project_for_key", deploy_key, bearer="sbx_pat_other-token-000"),
        401,
        "AccessTokenInvalid",
    )
    # A deploy key cannot list teams.
    reply = httpx.get(world.platform_url + "/api/teams", headers={"Authorization": f"Bearer {deploy_key}"})
    expect_error(reply, 401, "AccessTokenInvalid")


def test_sync_websocket_accepts_the_platform_credential(world, api):
    url, key = api.instance("starter-dev-102")
    for value, accepted in ((key, True), (world.team_token("acme"), False)):
        with connect(url.replace("http://", "ws://") + "/api/1.48.0/sync", open_timeout=10) as ws:
            for message in (
                {
                    "type": "Connect",
                    "sessionId": "5f0d",
                    "connectionCount": 0,
                    "lastCloseReason": "InitialConnect",
                    "clientTs": 0,
                },
                {"type": "Authenticate", "tokenType": "Admin", "value": value, "baseVersion": 0},
                {
                    "type": "ModifyQuerySet",
                    "baseVersion": 0,
                    "newVersion": 1,
                    "modifications": [
                        {"type": "Add", "queryId": 1, "udfPath": "_system/cli/exports:getLatest", "args": [{}]}
                    ],
                },
            ):
                ws.send(json.dumps(message))
            reply = json.loads(ws.recv(timeout=10))
            while reply["type"] == "Ping" or (reply["type"] == "Transition" and not reply["modifications"]):
                reply = json.loads(ws.recv(timeout=10))
            if accepted:
                assert reply["type"] == "Transition"
                assert [m["type"] for m in reply["modifications"]] == ["QueryUpdated"]
            else:
                assert reply["type"] == "AuthError"
