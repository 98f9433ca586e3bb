"""Big brain's dashboard API, under `/api/dashboard`: teams, entitlements,
projects, member_data, instance credentials and the audit log. Backups are in backups.py."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from tui.emulator.platform import audit, directory, models, plans
from tui.emulator.platform.access import tokens
from tui.emulator.platform.access.bearer_auth import (
    project_not_found,
    visible_deployment_by_name,
    visible_project,
    visible_team,
)
from tui.emulator.platform.routes.endpoint import Call, endpoint, int_query, paginate

BASE = "/api/dashboard"


def team_list(call: Call) -> list[dict[str, Any]]:
    suspended = call.platform.refusals.suspended_teams()  # a test switch (refusals.py)
    return [
        {**models.team_response(t), **({"suspended": True} if t["slug"] in suspended else {})}
        for t in directory.teams(call.conn, call.caller.team_ids)
    ]


def project_list(call: Call, team_id: int) -> list[dict[str, Any]]:
    """ProjectDetails of a team, newest project first, filtered by `q` (name or slug)."""
    conn = call.conn
    needle = (call.query.get("q") or "").lower()
    return [
        models.project_details(p, directory.deployments_of_project(conn, p["id"]))
        for p in directory.projects_of_team(conn, team_id)
        if needle in p["name"].lower() or needle in p["slug"]
    ]


def deployment_list(call: Call, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [models.deployment_response(row, call.platform.url_of(row["name"])) for row in rows]


def teams(call: Call) -> Any:
    return team_list(call)


def entitlements(call: Call) -> Any:
    team = visible_team(call.conn, call.caller, call.int_path("team_id"))
    return plans.entitlements(plans.plan_of(team["plan"]))


def team_projects(call: Call) -> Any:
    """A bare array, or the paginated object when `limit`, `cursor` or `q` is given."""
    team = visible_team(call.conn, call.caller, call.int_path("team_id"))
    items = project_list(call, team["id"])
    if any(k in call.query for k in ("limit", "cursor", "q")):
        return paginate(call, items)
    return items


def team_project_by_slug(call: Call) -> Any:
    conn = call.conn
    team = visible_team(conn, call.caller, call.int_path("team_id"))
    project = directory.project_by_slug(conn, team["id"], call.path["project_slug"])
    if project is None:
        raise project_not_found(call.path["project_slug"])
    return models.project_details(project, directory.deployments_of_project(conn, project["id"]))


def project_by_id(call: Call) -> Any:
    conn = call.conn
    project = visible_project(conn, call.caller, call.int_path("project_id"))
    return models.project_details(project, directory.deployments_of_project(conn, project["id"]))


def member_data(call: Call) -> Any:
    conn = call.conn
    team_rows = directory.teams(conn, call.caller.team_ids)
    projects, deployments = [], []
    for team in team_rows:
        for project in directory.projects_of_team(conn, team["id"]):
            rows = directory.deployments_of_project(conn, project["id"])
            projects.append(models.project_details(project, rows))
            deployments.extend(deployment_list(call, rows))
    return {
        "teams": [models.team_response(t) for t in team_rows],
        "projects": projects,
        "deployments": deployments,
        "optInsToAccept": [],
    }


def instance_auth(call: Call) -> Any:
    """`{"kind": "Cloud", "adminKey", "instanceUrl"}`: the credential wraps the caller's token."""
    row = visible_deployment_by_name(call.conn, call.caller, call.path["deployment_name"])
    credential = tokens.instance_credential(call.conn, call.platform.credential_key, call.caller.token_id)
    return {"kind": "Cloud", "adminKey": credential, "instanceUrl": call.platform.url_of(row["name"]).rstrip("/")}


def audit_log(call: Call) -> Any:
    team = visible_team(call.conn, call.caller, call.int_path("team_id"))
    limit = int_query(call, "limit", 50, 1, 100)
    cursor = call.query.get("cursor")
    before = int(cursor) if cursor and cursor.isdigit() else None
    events = audit.events(call.conn, team["id"], before_id=before, limit=limit)
    answer: dict[str, Any] = {"events": [{k: v for k, v in e.items() if k != "id"} for e in events]}
    if len(events) == limit:
        answer["cursor"] = str(events[-1]["id"])
    return answer


def routes() -> list[Route]:
    return [
        Route(f"{BASE}/teams", endpoint(teams), methods=["GET"]),
        Route(f"{BASE}/teams/{{team_id}}/get_entitlements", endpoint(entitlements), methods=["GET"]),
        Route(f"{BASE}/teams/{{team_id}}/projects", endpoint(team_projects), methods=["GET"]),
        Route(f"{BASE}/teams/{{team_id}}/projects/{{project_slug}}", endpoint(team_project_by_slug), methods=["GET"]),
        Route(f"{BASE}/projects/{{project_id}}", endpoint(project_by_id), methods=["GET"]),
        Route(f"{BASE}/member_data", endpoint(member_data), methods=["GET"]),
        Route(f"{BASE}/instances/{{deployment_name}}/auth", endpoint(instance_auth), methods=["POST"]),
        Route(f"{BASE}/teams/{{team_id}}/get_audit_log_events", endpoint(audit_log), methods=["GET"]),
    ]
