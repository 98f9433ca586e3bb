"""Which routes a token is sent to, by its kind (tui/commands/README.md "Which token reaches what"):

- `login` (the token of `npx convex login`): the dashboard's routes, as the dashboard uses them; where the
  dashboard's team or project listing refuses the token, the CLI's `GET /api/teams` and `/v1` projects;
- `unknown` (a token given in the environment or a profile): `GET /v1/token_details` first, the one route
  Convex documents for every kind of token. A team token then lists through the `/v1` management API only
  (its team's projects and deployments); a project token, its project; anything else is taken as a login;
- `projectKey` (a project deploy key, `project:<team>:<project>|...`): `/v1/token_details`, then `/v1`;
- `previewKey` (a preview deploy key): it can deploy previews, nothing this app does; nothing is listed.

No kind starts with a route Convex documents for login tokens only, and a refused route becomes a note
(`ListingNote`) instead of a failed start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tui.api.errors import AuthError, ConvexApiError, PermissionDenied
from tui.api.platform.client import PlatformClient
from tui.api.platform.models import Deployment, Project, Team
from tui.services.records import ListingNote

log = logging.getLogger("tui.services.credentials")

TEAM_TOKEN_CAN = (
    "team token: lists this team's projects and deployments (Convex's /v1 management API) and "
    "opens each deployment with the token itself; cloud backups and schedules use dashboard "
    "routes Convex documents for login tokens only, so they may be refused (said on each "
    "deployment). For everything, log in with `npx convex login`."
)
PROJECT_TOKEN_CAN = (
    "project token: lists this project's deployments (/v1) and opens each with the token "
    "itself; cloud backups and schedules may be refused (Convex documents them for login "
    "tokens only)."
)
PREVIEW_KEY_CANNOT = (
    "preview deploy key: it deploys preview deployments and cannot list, back up or restore "
    "any: set CONVEX_DEPLOY_KEY to a deployment's deploy key, or log in with `npx convex "
    "login`."
)


@dataclass(frozen=True)
class Access:
    kind: str  # login, team, project or none
    team_id: int | None = None
    project_id: int | None = None
    note: str | None = None


class TokenAccess:
    def __init__(self, platform: PlatformClient, token_kind: str = "login"):
        self.platform = platform
        self.token_kind = token_kind
        self._access: Access | None = None

    async def resolve(self) -> Access:
        if self._access is None:
            self._access = await self._resolve()
            log.debug("token used as: %s", self._access.kind)
        return self._access

    def notes(self) -> list[ListingNote]:
        access = self._access
        return [ListingNote(access.note)] if access is not None and access.note else []

    async def _resolve(self) -> Access:
        if self.token_kind == "login":
            return Access("login")
        if self.token_kind == "previewKey":
            return Access("none", note=PREVIEW_KEY_CANNOT)
        try:
            details = await self.platform.token_details()
        except ConvexApiError as error:
            if self.token_kind == "projectKey":
                return Access(
                    "none",
                    note=f"project deploy key: Convex's /v1/token_details refused it "
                    f"({error.message}); nothing can be listed with it.",
                )
            log.debug("GET /v1/token_details refused (%s): using the token as a login", error.code or error.status)
            return Access("login")
        if details.type == "teamToken" and details.team_id is not None:
            return Access("team", team_id=details.team_id, note=TEAM_TOKEN_CAN)
        if details.type == "projectToken" and details.project_id is not None:
            return Access("project", project_id=details.project_id, note=PROJECT_TOKEN_CAN)
        return Access("login")

    # -- listing by kind ------------------------------------------------------------------------------------
    async def teams(self) -> list[Team]:
        access = await self.resolve()
        if access.kind == "login":
            try:
                return await self.platform.teams()
            except (AuthError, PermissionDenied) as error:  # the CLI's route lists the same teams
                log.debug(
                    "GET /api/dashboard/teams refused (%s); using the Convex CLI's GET /api/teams",
                    error.code or error.status,
                )
                return await self.platform.cli_teams()
        if access.kind == "team":
            assert access.team_id is not None  # `_resolve` gives a team token its team
            # /v1 has no "get team": the slug comes with the team's projects.
            projects = await self.platform.v1_projects(access.team_id)
            slug = next((p.team_slug for p in projects if p.team_slug), None) or f"team-{access.team_id}"
            return [Team(id=access.team_id, name=slug, slug=slug)]
        if access.kind == "project":
            assert access.project_id is not None  # `_resolve` gives a project token its project
            project = await self.platform.v1_project(access.project_id)
            slug = project.team_slug or f"team-{project.team_id}"
            return [Team(id=project.team_id or 0, name=slug, slug=slug)]
        return []

    async def projects(self, team: Team) -> list[Project]:
        access = await self.resolve()
        if access.kind == "login":
            try:
                return await self.platform.projects(team.id)
            except (AuthError, PermissionDenied) as error:  # the management API lists the same projects
                log.debug(
                    "GET /api/dashboard/teams/{id}/projects refused (%s); using GET /v1/teams/{id}/projects",
                    error.code or error.status,
                )
                return await self.platform.v1_projects(team.id)
        if access.kind == "team":
            return await self.platform.v1_projects(team.id)
        if access.kind == "project":
            assert access.project_id is not None
            return [await self.platform.v1_project(access.project_id)]
        return []

    async def deployments(self, team: Team) -> list[Deployment]:
        access = await self.resolve()
        if access.kind == "project":
            assert access.project_id is not None
            return await self.platform.list_deployments(access.project_id, include_local=False)
        return await self.platform.team_deployments(team.id, sort_by="createTime", sort_order="asc")
