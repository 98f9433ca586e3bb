"""Big brain's CLI routes, under `/api`: token check, teams and
projects by slug, deployment → team/project, deploy-key lookups and deployment credentials.

The `adminKey` handed out by the authorize routes is the same instance credential as the dashboard's
(it wraps the caller's token), which the platform's deployments accept as `Convex <adminKey>`.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from tui.emulator.deployment.deployment import PlatformIdentity
from tui.emulator.errors import bad_request
from tui.emulator.platform import directory
from tui.emulator.platform.access import tokens
from tui.emulator.platform.access.bearer_auth import (
    bearer_token,
    deployment_not_found,
    invalid,
    project_not_found,
    visible_deployment_by_name,
    visible_team_by_slug,
)
from tui.emulator.platform.routes.endpoint import EMPTY, Call, endpoint
from tui.emulator.platform.routes.dashboard import project_list, team_list


def authorize(call: Call) -> Any:
    return EMPTY


def teams(call: Call) -> Any:
    return team_list(call)


def team_projects(call: Call) -> Any:
    team = visible_team_by_slug(call.conn, call.caller, call.path["team_slug"])
    return project_list(call, team["id"])


def _team_and_project(call: Call, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    project = directory.existing_project(call.conn, row["project_id"])
    return directory.existing_team(call.conn, project["team_id"]), project


def team_and_project(call: Call) -> Any:
    row = visible_deployment_by_name(call.conn, call.caller, call.path["deployment_name"])
    team, project = _team_and_project(call, row)
    return {
        "team": team["slug"],
        "project": project["slug"],
        "teamId": team["id"],
        "projectId": project["id"],
        "deploymentId": row["id"],
    }


def _deploy_key_deployment(call: Call) -> dict[str, Any]:
    """The deployment a deploy key (`prod:<name>|<secret>`, in the body and as the bearer) belongs to."""
    body = call.body if isinstance(call.body, dict) else {}
    key = body.get("deployKey")
    if not isinstance(key, str) or "|" not in key:
        raise bad_request("BadJsonBody", 'Expected {"deployKey": "<type>:<deployment name>|<secret>"}.')
    if bearer_token(call.headers.get("authorization")) != key:
        raise invalid("Send the deploy key as `Authorization: Bearer <deploy key>` too.")
    head = key.split("|", 1)[0]
    name = head.split(":", 1)[1] if ":" in head else head
    deployment = call.platform.deployments.get(name)
    row = directory.deployment_by_name(call.conn, name)
    identity = deployment.keys.identify(key) if deployment is not None and row is not None else None
    if row is None or identity is None or isinstance(identity, PlatformIdentity):
        raise invalid("The deploy key is not valid.")
    return row


def url_for_key(call: Call) -> Any:
    return call.platform.url_of(_deploy_key_deployment(call)["name"])


def team_and_project_for_key(call: Call) -> Any:
    row = _deploy_key_deployment(call)
    team, project = _team_and_project(call, row)
    return {
        "team": team["slug"],
        "project": project["slug"],
        "teamId": team["id"],
        "projectId": project["id"],
        "reference": row["reference"],
        "isDefault": bool(row["is_default"]),
    }


def _credentials(call: Call, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "deploymentName": row["name"],
        "adminKey": tokens.instance_credential(call.conn, call.platform.credential_key, call.caller.token_id),
        "url": call.platform.url_of(row["name"]),
        "deploymentType": row["deployment_type"],
        "reference": row["reference"],
        "isDefault": bool(row["is_default"]),
    }


def _selected_project(call: Call, selection: Any) -> dict[str, Any]:
    if not isinstance(selection, dict):
        raise bad_request("BadJsonBody", "missing field `projectSelection`")
    if selection.get("kind") == "deploymentName":
        row = visible_deployment_by_name(call.conn, call.caller, str(selection.get("deploymentName")))
        return directory.existing_project(call.conn, row["project_id"])
    if selection.get("kind") == "teamAndProjectSlugs":
        team = visible_team_by_slug(call.conn, call.caller, str(selection.get("teamSlug")))
        project = directory.project_by_slug(call.conn, team["id"], str(selection.get("projectSlug")))
        if project is None:
            raise project_not_found(selection.get("projectSlug"))
        return project
    raise bad_request("BadJsonBody", "`projectSelection.kind` must be deploymentName or teamAndProjectSlugs.")


def authorize_within_current_project(call: Call) -> Any:
    body = call.body if isinstance(call.body, dict) else {}
    name = body.get("selectedDeploymentName")
    if not isinstance(name, str):
        raise bad_request("BadJsonBody", "missing field `selectedDeploymentName`")
    project = _selected_project(call, body.get("projectSelection"))
    row = visible_deployment_by_name(call.conn, call.caller, name)
    if row["project_id"] != project["id"]:
        raise deployment_not_found(f"{name} in project {project['slug']}")
    return _credentials(call, row)


def authorize_prod(call: Call) -> Any:
    body = call.body if isinstance(call.body, dict) else {}
    name = body.get("deploymentName")
    if not isinstance(name, str):
        raise bad_request("BadJsonBody", "missing field `deploymentName`")
    row = visible_deployment_by_name(call.conn, call.caller, name)
    prod = directory.default_deployment(call.conn, row["project_id"], "prod")
    if prod is None:
        raise deployment_not_found(f"prod of the project of {name}")
    return _credentials(call, prod)


def routes() -> list[Route]:
    return [
        Route("/api/authorize", endpoint(authorize), methods=["HEAD", "GET"]),
        Route("/api/teams", endpoint(teams), methods=["GET"]),
        Route("/api/teams/{team_slug}/projects", endpoint(team_projects), methods=["GET"]),
        Route("/api/deployment/{deployment_name}/team_and_project", endpoint(team_and_project), methods=["GET"]),
        Route("/api/deployment/url_for_key", endpoint(url_for_key, auth=False, body=True), methods=["POST"]),
        Route(
            "/api/deployment/team_and_project_for_key",
            endpoint(team_and_project_for_key, auth=False, body=True),
            methods=["POST"],
        ),
        Route(
            "/api/deployment/authorize_within_current_project",
            endpoint(authorize_within_current_project, body=True),
            methods=["POST"],
        ),
        Route("/api/deployment/authorize_prod", endpoint(authorize_prod, body=True), methods=["POST"]),
    ]
