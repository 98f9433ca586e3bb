"""Test switches that make the platform refuse what real Convex may refuse, so the client's handling can
be shown (tui/emulator/README.md "Test switches: refusals"). Convex's own behaviour here is not known in detail:

- the dashboard's `POST /api/dashboard/instances/{name}/auth` with a CLI login token (no Convex client
  calls it with one; the CLI uses `/api/deployment/authorize_within_current_project` and `authorize_prod`);
- the dashboard's team and project listings (the CLI's `/api/teams` and `/v1` list the same);
- one team's routes, as for a team that requires SSO, is suspended, or refuses listing.

Switched with `POST /api/_emulator/refusals` (routes/emulator.py); kept in memory only, so a restart of the
sandbox clears them. By default nothing is refused. (A team token is refused on every route but `/v1`
without a switch, as Convex documents: access/token_scopes.py.)
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from tui.emulator.errors import ConvexError
from tui.emulator.platform import directory

INSTANCE_AUTH = "instanceAuth"
WITHIN_PROJECT = "authorizeWithinProject"  # the CLI's POST /api/deployment/authorize_within_current_project
DASHBOARD_LISTING = "dashboardListing"  # GET /api/dashboard/teams and /api/dashboard/teams/{id}/projects
ROUTES = (INSTANCE_AUTH, WITHIN_PROJECT, DASHBOARD_LISTING)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str

    def error(self) -> ConvexError:
        return ConvexError(self.status, self.code, self.message)


class Refusals:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Refusal] = {}
        self._teams: dict[str, Refusal] = {}  # team slug -> refusal
        self._suspended: set[str] = set()  # team slugs listed with `suspended: true`

    @property
    def active(self) -> bool:
        return bool(self._routes or self._teams)

    def set_route(self, route: str, refusal: Refusal | None) -> None:
        with self._lock:
            if refusal is None:
                self._routes.pop(route, None)
            else:
                self._routes[route] = refusal

    def set_team(self, slug: str, refusal: Refusal | None, *, suspended: bool = False) -> None:
        with self._lock:
            if refusal is None:
                self._teams.pop(slug, None)
                self._suspended.discard(slug)
            else:
                self._teams[slug] = refusal
                if suspended:
                    self._suspended.add(slug)

    def suspended_teams(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._suspended)

    def clear(self) -> None:
        with self._lock:
            self._routes.clear()
            self._teams.clear()
            self._suspended.clear()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"routes": sorted(self._routes), "teams": sorted(self._teams), "suspended": sorted(self._suspended)}

    def check(self, conn: sqlite3.Connection, path: str, params: dict[str, str]) -> None:
        """Raise the refusal that applies to this request, if any."""
        with self._lock:
            routes, teams = dict(self._routes), dict(self._teams)
        if not routes and not teams:
            return
        if path.startswith("/api/dashboard/"):
            if INSTANCE_AUTH in routes and path.startswith("/api/dashboard/instances/") and path.endswith("/auth"):
                raise routes[INSTANCE_AUTH].error()
            if DASHBOARD_LISTING in routes and _is_dashboard_listing(path):
                raise routes[DASHBOARD_LISTING].error()
        if WITHIN_PROJECT in routes and path == "/api/deployment/authorize_within_current_project":
            raise routes[WITHIN_PROJECT].error()
        if teams:
            slug = _team_slug(conn, params)
            if slug is not None and slug in teams:
                raise teams[slug].error()


def _is_dashboard_listing(path: str) -> bool:
    parts = path.removeprefix("/api/dashboard/").split("/")
    return parts == ["teams"] or (len(parts) == 3 and parts[0] == "teams" and parts[2] == "projects")


def _team_slug(conn: sqlite3.Connection, params: dict[str, str]) -> str | None:
    """The team a request's path names (directly, or through a project or deployment)."""
    team = None
    for key in ("team_id", "team_id_or_slug", "team_slug"):
        value = params.get(key)
        if value is not None:
            team = directory.team(conn, int(value)) if value.isdigit() else directory.team_by_slug(conn, value)
            return team["slug"] if team else None
    project_id = params.get("project_id")
    if project_id is not None and project_id.isdigit():
        project = directory.project(conn, int(project_id))
        team = directory.team(conn, project["team_id"]) if project else None
    row = None
    if params.get("deployment_id", "").isdigit():
        row = directory.deployment(conn, int(params["deployment_id"]))
    elif params.get("deployment_name"):
        row = directory.deployment_by_name(conn, params["deployment_name"])
    if row is not None:
        team = directory.team(conn, directory.team_id_of_deployment(conn, row))
    return team["slug"] if team else None
