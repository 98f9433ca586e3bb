"""The platform's test switches (`/api/_emulator/refusals`): only the operator may set them; the dashboard's
instance auth can be made to refuse while the Convex CLI's routes keep answering as Convex does; a team
can be made to refuse every route that names it (directly, by project or by deployment) and to be listed
as suspended; `clear` ends them all."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def cleared(world):
    yield
    world.refuse(clear=True)


def test_only_the_operator_sets_switches(world, api):
    with world.platform_client(world.team_token("acme")) as team:
        assert team.post("/api/_emulator/refusals", json={"route": "instanceAuth"}).status_code == 403
    assert api.post("/api/_emulator/refusals", {"route": "nothing"}).status_code == 400
    assert api.post("/api/_emulator/refusals", {"team": "acme", "status": 200}).status_code == 400
    assert api.ok("GET", "/api/_emulator/refusals") == {"routes": [], "teams": [], "suspended": []}


def test_instance_auth_refuses_and_the_cli_routes_still_answer(world, api):
    world.refuse(route="instanceAuth", status=403, code="Forbidden", message="not for this token")
    refused = api.post("/api/dashboard/instances/acme-prod-201/auth")
    assert refused.status_code == 403 and refused.json() == {"code": "Forbidden", "message": "not for this token"}
    body = {
        "selectedDeploymentName": "acme-prod-201",
        "projectSelection": {"kind": "deploymentName", "deploymentName": "acme-prod-201", "deploymentType": "prod"},
    }
    creds = api.ok("POST", "/api/deployment/authorize_within_current_project", body)
    assert creds["deploymentName"] == "acme-prod-201" and creds["adminKey"] and creds["url"].startswith("http://")
    assert (
        api.ok("POST", "/api/deployment/authorize_prod", {"deploymentName": "acme-dev-202"})["deploymentName"]
        == "acme-prod-201"
    )
    world.refuse(route="instanceAuth", refuse=False)
    assert api.post("/api/dashboard/instances/acme-prod-201/auth").status_code == 200


def test_a_refusing_team_refuses_every_route_that_names_it(world, api):
    acme = api.team_id("acme")
    acme_dev, starter = api.deployment_id("acme-dev-202"), api.deployment_id("starter-prod-101")
    world.refuse(team="acme", code="SSORequired", message="SSO", suspended=True)
    for path in (
        f"/api/dashboard/teams/{acme}/projects",
        f"/v1/teams/{acme}/list_deployments",
        "/api/teams/acme/projects",
        "/v1/deployments/acme-prod-201",
        f"/api/dashboard/deployments/{acme_dev}/list_cloud_backups",
    ):
        answer = api.get(path)
        assert (answer.status_code, answer.json()["code"]) == (403, "SSORequired"), path
    other = f"/api/dashboard/deployments/{starter}/list_cloud_backups"
    assert api.get(other).status_code == 200
    teams = {t["slug"]: t["suspended"] for t in api.ok("GET", "/api/dashboard/teams")}
    assert teams == {"sandbox": False, "acme": True}
    world.refuse(clear=True)
    assert api.get(f"/v1/teams/{acme}/list_deployments").status_code == 200
