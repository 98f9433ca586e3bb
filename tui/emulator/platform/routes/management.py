"""The Management API subset (`/v1`): token details, projects and deployments."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from tui.emulator.errors import bad_request
from tui.emulator.platform import directory, models
from tui.emulator.platform.access.bearer_auth import (
    project_not_found,
    visible_deployment_by_name,
    visible_project,
    visible_team,
    visible_team_by_slug,
)
from tui.emulator.platform.routes.endpoint import Call, bool_query, endpoint, int_query, paginate
from tui.emulator.platform.routes.dashboard import deployment_list

BASE = "/v1"
SORT_KEYS = {
    "createTime": lambda d: (d["create_time"], d["id"]),
    "lastDeployTime": lambda d: (d["last_deploy_time"] or 0, d["id"]),
    "reference": lambda d: (d["reference"], d["id"]),
}


def token_details(call: Call) -> Any:
    """teamToken as documented; a personal access token answers `{"type": "accessToken", memberId,
    ...}` (emulator-defined: what Convex answers for one is not documented)."""
    p = call.caller
    if p.kind == "team":
        return {"type": "teamToken", "teamId": p.team_id, "id": p.token_id, "name": p.name, "createTime": p.create_time}
    return {
        "type": "accessToken",
        "memberId": p.member_id,
        "id": p.token_id,
        "name": p.name,
        "createTime": p.create_time,
    }


def _team(call: Call, key: str = "team_id") -> dict[str, Any]:
    value = call.path[key]
    if value.isdigit():
        return visible_team(call.conn, call.caller, int(value))
    return visible_team_by_slug(call.conn, call.caller, value)


def _project_responses(call: Call, team: dict[str, Any]) -> list[dict[str, Any]]:
    conn = call.conn
    needle = (call.query.get("q") or "").lower()
    return [
        models.project_response(p, directory.deployments_of_project(conn, p["id"]), team["slug"])
        for p in directory.projects_of_team(conn, team["id"])
        if needle in p["name"].lower() or needle in p["slug"]
    ]


def team_projects(call: Call) -> Any:
    return paginate(call, _project_responses(call, _team(call)))


def list_projects(call: Call) -> Any:
    return _project_responses(call, _team(call))


def project_by_slug(call: Call) -> Any:
    team = _team(call, "team_id_or_slug")
    project = directory.project_by_slug(call.conn, team["id"], call.path["project_slug"])
    if project is None:
        raise project_not_found(call.path["project_slug"])
    return models.project_response(project, directory.deployments_of_project(call.conn, project["id"]), team["slug"])


def project_by_id(call: Call) -> Any:
    project = visible_project(call.conn, call.caller, call.int_path("project_id"))
    team = directory.existing_team(call.conn, project["team_id"])
    return models.project_response(project, directory.deployments_of_project(call.conn, project["id"]), team["slug"])


def _filter(call: Call, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kind = call.query.get("deploymentType")
    if kind is not None and kind not in ("dev", "prod", "preview", "custom"):
        raise bad_request("BadQueryArgs", f"Unknown deploymentType {kind!r}.")
    is_default = bool_query(call, "isDefault")
    needle = (call.query.get("q") or "").lower()
    return [
        r
        for r in rows
        if (kind is None or r["deployment_type"] == kind)
        and (is_default is None or bool(r["is_default"]) == is_default)
        and (needle in r["name"] or needle in r["reference"])
    ]


def project_deployments(call: Call) -> Any:
    """Unpaginated; `includeLocal` is accepted (the sandbox has no local deployments)."""
    bool_query(call, "includeLocal")
    project = visible_project(call.conn, call.caller, call.int_path("project_id"))
    return deployment_list(call, _filter(call, directory.deployments_of_project(call.conn, project["id"])))


def team_deployments(call: Call) -> Any:
    team = _team(call)
    rows = _filter(call, directory.deployments_of_team(call.conn, team["id"]))
    if "projectId" in call.query:
        project_id = int_query(call, "projectId", 0, 0, 2**62)
        rows = [r for r in rows if r["project_id"] == project_id]
    sort_by = call.query.get("sortBy", "createTime")
    order = call.query.get("sortOrder", "desc")
    if sort_by not in SORT_KEYS or order not in ("asc", "desc"):
        raise bad_request(
            "BadQueryArgs", "sortBy must be createTime, lastDeployTime or reference; sortOrder asc or desc."
        )
    rows.sort(key=SORT_KEYS[sort_by], reverse=order == "desc")
    return paginate(call, deployment_list(call, rows))


def deployment_by_name(call: Call) -> Any:
    row = visible_deployment_by_name(call.conn, call.caller, call.path["deployment_name"])
    return models.deployment_response(row, call.platform.url_of(row["name"]))


def routes() -> list[Route]:
    return [
        Route(f"{BASE}/token_details", endpoint(token_details), methods=["GET"]),
        Route(f"{BASE}/teams/{{team_id}}/projects", endpoint(team_projects), methods=["GET"]),
        Route(f"{BASE}/teams/{{team_id}}/list_projects", endpoint(list_projects), methods=["GET"]),
        Route(
            f"{BASE}/teams/{{team_id_or_slug}}/projects/{{project_slug}}", endpoint(project_by_slug), methods=["GET"]
        ),
        Route(f"{BASE}/teams/{{team_id}}/list_deployments", endpoint(team_deployments), methods=["GET"]),
        Route(f"{BASE}/projects/{{project_id}}", endpoint(project_by_id), methods=["GET"]),
        Route(f"{BASE}/projects/{{project_id}}/list_deployments", endpoint(project_deployments), methods=["GET"]),
        Route(f"{BASE}/deployments/{{deployment_name}}", endpoint(deployment_by_name), methods=["GET"]),
    ]
