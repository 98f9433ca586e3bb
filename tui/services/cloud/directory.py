"""The Cloud directory as the token sees it: teams → projects → deployments (as `DeploymentRef`s), and a
credential for each deployment's own API (deployment_credentials.py: `instances/{name}/auth`, or the
Convex CLI's routes when that refuses; fetched when first needed and again after the deployment rejects it
with a 401)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from tui.api.errors import AuthError, ConvexApiError, NotFound
from tui.api.platform.client import PlatformClient
from tui.api.platform.models import Deployment, Project, Team
from tui.services.cloud.deployment_credentials import REFUSED, CredentialRoutes
from tui.services.records import ListingNote
from tui.services.protocol import DeploymentRef, ProjectRef, TeamRef
from tui.services.cloud.token_access import Access, TokenAccess

if TYPE_CHECKING:  # loaded when a deployment's own API is first used, not for listing
    from tui.api.deployment.client import DeploymentClient

T = TypeVar("T")


def deployment_number(deployment: DeploymentRef) -> int:
    """Big brain's numeric id of a cloud deployment (the directory lists none without one)."""
    if deployment.id is None:
        raise TypeError(f"{deployment.name} has no Convex Cloud id")
    return int(deployment.id)


@dataclass(frozen=True)
class Placement:
    team: Team
    project: Project


class CloudDirectory:
    def __init__(
        self,
        platform: PlatformClient,
        *,
        read_only: Callable[[str], bool] = lambda name: False,
        token_kind: str = "login",
    ):
        self.platform = platform
        self._read_only = read_only
        self._access = TokenAccess(platform, token_kind)
        self._teams: list[Team] | None = None
        self._projects: dict[int, list[Project]] = {}
        self._deployments: dict[int, list[Deployment]] = {}
        self._refs: dict[str, DeploymentRef] = {}
        self._placement: dict[str, Placement] = {}
        self._clients: dict[str, DeploymentClient] = {}
        self._lock = asyncio.Lock()
        self._team_notes: dict[str, ListingNote] = {}
        self.credentials = CredentialRoutes(platform)

    def __repr__(self) -> str:
        return f"CloudDirectory({self.platform.base_url!r})"

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def refresh(self) -> None:
        """Forget what was listed (the next call asks big brain again)."""
        self._teams, self._projects, self._deployments = None, {}, {}

    def notes(self) -> list[ListingNote]:
        """What the last listing could not show (a team that refused) and what the token can do."""
        return [*self._access.notes(), *self._team_notes.values()]

    # -- listing ------------------------------------------------------------------------------------------
    async def access(self) -> Access:
        """What the token is (asked once; no dashboard route is sent before it is known: token_access.py)."""
        access = await self._access.resolve()
        self.credentials.token_is_login = access.kind == "login"
        return access

    async def teams(self) -> list[Team]:
        if self._teams is None:
            await self.access()
            self._teams = await self._access.teams()
        return self._teams

    async def projects(self, team: Team) -> list[Project]:
        if team.id not in self._projects:
            self._projects[team.id] = await self._access.projects(team)
        return self._projects[team.id]

    async def team_refs(self) -> list[TeamRef]:
        return [TeamRef(str(t.id), t.slug, t.name) for t in await self.teams()]

    async def project_refs(self, team_slug: str | None = None) -> list[ProjectRef]:
        teams = await self._chosen_teams(team_slug)
        projects = await asyncio.gather(*(self.projects(team) for team in teams))
        return [ProjectRef(str(p.id), p.slug, p.name, team.slug) for team, ps in zip(teams, projects) for p in ps]

    async def deployment_refs(self, project_slug: str | None = None) -> list[DeploymentRef]:
        # Two round trips: the teams, then each team's projects and all its deployments side by side (one
        # `/v1/teams/{id}/list_deployments` per team, not one listing per project): start-up waits on this.
        # A team that refuses (SSO required, suspended, ...) becomes a note; the other teams still load.
        teams = await self.teams()
        answers = await asyncio.gather(
            *(self._projects_and_deployments(team) for team in teams), return_exceptions=True
        )
        projects: list[list[Project]] = []
        for team, answer in zip(teams, answers):
            if isinstance(answer, ConvexApiError):
                self._team_notes[team.slug] = ListingNote(
                    f"could not be listed: {answer.message}" + (" (the team is suspended)" if team.suspended else ""),
                    team=team.slug,
                    team_name=team.name,
                    error=True,
                )
                answer = []
            elif isinstance(answer, BaseException):
                raise answer
            else:
                self._team_notes.pop(team.slug, None)
                if team.suspended:
                    self._team_notes[team.slug] = ListingNote(
                        "the team is suspended", team=team.slug, team_name=team.name
                    )
            projects.append(answer)
        chosen = [
            (team, p) for team, ps in zip(teams, projects) for p in ps if project_slug is None or p.slug == project_slug
        ]
        refs = [
            self._remember(team, project, deployment)
            for team, project in chosen
            for deployment in self._deployments.get(project.id, [])
            if deployment.supports_cloud_backups
        ]
        if project_slug is not None and not refs and not any(p.slug == project_slug for ps in projects for p in ps):
            raise NotFound(f"No project named {project_slug!r} is visible to this login.", code="ProjectNotFound")
        return refs

    async def _projects_and_deployments(self, team: Team) -> list[Project]:
        """The team's projects, with every project's deployments listed into the cache (oldest first, the
        order of a project's own listing)."""
        known = self._projects.get(team.id)
        if known is not None and all(p.id in self._deployments for p in known):
            return known
        projects, deployments = await asyncio.gather(self.projects(team), self._access.deployments(team))
        by_project: dict[int | None, list[Deployment]] = {}
        for deployment in deployments:
            by_project.setdefault(deployment.project_id, []).append(deployment)
        for project in projects:
            self._deployments[project.id] = by_project.get(project.id, [])
        return projects

    async def _chosen_teams(self, team_slug: str | None) -> list[Team]:
        teams = await self.teams()
        if team_slug is None:
            return teams
        chosen = [t for t in teams if t.slug == team_slug]
        if not chosen:
            known = ", ".join(t.slug for t in teams) or "none"
            raise NotFound(
                f"No team named {team_slug!r} is visible to this login (teams: {known}).", code="TeamNotFound"
            )
        return chosen

    def _remember(self, team: Team, project: Project, deployment: Deployment) -> DeploymentRef:
        ref = DeploymentRef(
            team=team.slug,
            project=project.slug,
            name=deployment.name,
            type=deployment.deployment_type,
            region=deployment.region,
            url=deployment.url,
            id=str(deployment.id),
            is_prod=deployment.is_prod,
            read_only=self._read_only(deployment.name),
            deployment_class=deployment.deployment_class,
        )
        self._refs[ref.name] = ref
        self._placement[ref.name] = Placement(team, project)
        return ref

    async def get(self, name: str) -> DeploymentRef:
        if name not in self._refs:
            await self.deployment_refs()
        if name not in self._refs:
            known = sorted(self._refs)
            hint = f" (deployments: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})" if known else ""
            raise NotFound(f"No deployment named {name!r} is visible to this login{hint}.", code="DeploymentNotFound")
        return self._refs[name]

    async def placement(self, ref: DeploymentRef) -> Placement:
        if ref.name not in self._placement:
            await self.get(ref.name)
        return self._placement[ref.name]

    def with_read_only(self, ref: DeploymentRef) -> DeploymentRef:
        """The ref as the configuration marks it (a caller's copy may predate the config)."""
        return replace(ref, read_only=ref.read_only or self._read_only(ref.name))

    # -- each deployment's own API ------------------------------------------------------------------------
    async def client(self, name: str) -> DeploymentClient:
        """The deployment's API client. A name not listed yet is not looked up first with a login token
        (the credential route refuses a deployment the token cannot reach: then the listing says which
        exist); a team or project token's credential is the token itself, at the URL the listing gives."""
        async with self._lock:
            if name not in self._clients:
                await self.access()
                if not self.credentials.token_is_login and name not in self._refs:
                    await self.get(name)
                ref = self._refs.get(name)
                try:
                    credential = await self.credentials.fetch(name, ref)
                except REFUSED:
                    if ref is None:
                        await self.get(name)  # NotFound naming the deployments there are, when it is not one
                    raise
                url = credential.url or (ref.url if ref is not None else None)
                if not url:
                    raise NotFound(f"Convex gave no URL for deployment {name}.", code="DeploymentNotFound")
                from tui.api.deployment.client import DeploymentClient

                self._clients[name] = DeploymentClient(url, credential.admin_key, name=name)
            return self._clients[name]

    async def forget_client(self, name: str) -> None:
        async with self._lock:
            client = self._clients.pop(name, None)
        if client is not None:
            await client.aclose()

    async def on_deployment(self, name: str, call: Callable[[DeploymentClient], Awaitable[T]]) -> T:
        """`call(client)`, fetching a fresh credential and trying once more if the deployment says 401."""
        try:
            return await call(await self.client(name))
        except AuthError:
            await self.forget_client(name)
            return await call(await self.client(name))
