"""`PlatformClient`: Convex's control plane ("big brain"), async.

Three families of routes on one host, all with `Authorization: Bearer <token>`:
- the dashboard API `/api/dashboard/...`: teams, entitlements, projects, instance credentials, cloud backups,
  restores and periodic backup schedules;
- the CLI routes `/api/...`: token check, teams, a deployment's team and project, deploy-key lookups and
  deployment credentials;
- the Management API `/v1/...`: token details, projects and deployments (paginated where the API is).

Where Convex answers either a bare array or `{items, pagination}`, both are accepted. Requests that start
work (`request_cloud_backup`, `restore_from_cloud_backup`) are never retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from tui.api.errors import AuthError, InvalidRequest, ProtocolError
from tui.api.transport.http import HttpSession, Retry, RetryPolicy, Sleep, target_for_url
from tui.api.transport.clients import DEFAULT_TIMEOUT
from tui.api.platform.models import (
    CloudBackup,
    Deployment,
    DeploymentCredentials,
    Entitlements,
    InstanceAuth,
    MemberData,
    Page,
    PeriodicBackupConfig,
    Project,
    Team,
    TeamAndProject,
    TokenDetails,
)
from tui.api.secrets import Secret
from tui.api.wire_values import as_mapping

PRODUCTION_HOST = "https://api.convex.dev"
MAX_PAGES = 1000  # a guard against a server that never says "no more"

T = TypeVar("T")


def _seg(value: Any) -> str:
    return quote(str(value), safe="")


def _items_and_pagination(data: Any, what: str) -> tuple[list[Any], bool, str | None]:
    """A bare array, or `{items, pagination: {hasMore, nextCursor}}`."""
    if isinstance(data, list):
        return data, False, None
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        pagination = as_mapping(data.get("pagination"))
        cursor = pagination.get("nextCursor")
        return data["items"], bool(pagination.get("hasMore")), cursor if isinstance(cursor, str) else None
    raise ProtocolError(f"Expected a list of {what}, got {type(data).__name__}.", code="UnexpectedShape")


class PlatformClient:
    """Async client of big brain (or the sandbox's emulation of it)."""

    def __init__(
        self,
        base_url: str = PRODUCTION_HOST,
        token: str | Secret | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
    ):
        if token is None:
            raise TypeError("PlatformClient needs a token (an access token, team token or deploy key)")
        self.base_url = base_url.rstrip("/")
        self._token = Secret(token)
        self._http = HttpSession(
            self.base_url,
            target=target_for_url(self.base_url, what="Convex"),
            authorization=Secret(f"Bearer {self._token.reveal()}"),
            transport=transport,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            secrets=[self._token],
        )
        self._in_flight: dict[tuple[str, tuple[tuple[str, Any], ...]], asyncio.Future[Any]] = {}

    def __repr__(self) -> str:
        return f"PlatformClient({self.base_url!r})"

    @property
    def token(self) -> Secret:
        """The bearer token (a `Secret`: no repr or log shows it); team tokens also open deployments."""
        return self._token

    async def __aenter__(self) -> PlatformClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- helpers ---------------------------------------------------------------------------------------
    async def _get(self, path: str, **params: Any) -> Any:
        """GET and decode. Identical GETs made while one is in flight share its answer (no cache: the answer is
        as fresh as theirs would be), e.g. the backups table and the plan's count listing the same backups."""
        query = {k: v for k, v in params.items() if v is not None}
        key = (path, tuple(sorted(query.items())))
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._http.json("GET", path, params=query or None))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        return await asyncio.shield(task)  # one caller giving up does not cancel the others' request

    async def _post(self, path: str, body: Any = None, *, retry: Retry | None = None, **kwargs: Any) -> Any:
        return await self._http.json("POST", path, json=body if body is not None else {}, retry=retry, **kwargs)

    async def _all_pages(self, fetch: Callable[[str | None], Any], parse: Callable[[Any], T], what: str) -> list[T]:
        items: list[T] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            raw, has_more, cursor = _items_and_pagination(await fetch(cursor), what)
            items.extend(parse(item) for item in raw)
            if not has_more or not cursor:
                return items
        raise ProtocolError(f"Convex kept returning more pages of {what} after {MAX_PAGES} pages.")

    # -- CLI routes (/api) --------------------------------------------------------------------------------
    async def check_token(self) -> bool:
        """`HEAD /api/authorize`: True if big brain accepts the token, False if it rejects it."""
        try:
            await self._http.request("HEAD", "/api/authorize")
        except (AuthError, InvalidRequest):
            return False
        return True

    async def cli_teams(self) -> list[Team]:
        return [Team.from_json(t) for t in _items_and_pagination(await self._get("/api/teams"), "teams")[0]]

    async def cli_projects(self, team_slug: str) -> list[Project]:
        data = await self._get(f"/api/teams/{_seg(team_slug)}/projects")
        return [Project.from_json(p) for p in _items_and_pagination(data, "projects")[0]]

    async def team_and_project(self, deployment_name: str) -> TeamAndProject:
        return TeamAndProject.from_json(await self._get(f"/api/deployment/{_seg(deployment_name)}/team_and_project"))

    async def url_for_key(self, deploy_key: str | Secret) -> str:
        """The deployment URL of a deploy key (custom domains make it non-derivable from the name)."""
        data = await self._with_key("/api/deployment/url_for_key", deploy_key)
        if not isinstance(data, str):
            raise ProtocolError("Convex answered url_for_key without a URL.")
        return data.rstrip("/")

    async def team_and_project_for_key(self, deploy_key: str | Secret) -> TeamAndProject:
        return TeamAndProject.from_json(await self._with_key("/api/deployment/team_and_project_for_key", deploy_key))

    async def _with_key(self, path: str, deploy_key: str | Secret) -> Any:
        key = Secret(deploy_key)
        return await self._post(
            path,
            {"deployKey": key.reveal()},
            retry=Retry.IDEMPOTENT,
            headers={"Authorization": f"Bearer {key.reveal()}"},
            secrets=[key],
        )

    async def authorize_within_current_project(
        self, deployment_name: str, *, deployment_type: str | None = None
    ) -> DeploymentCredentials:
        """A URL and admin credential for a named deployment the token can reach."""
        body = {
            "selectedDeploymentName": deployment_name,
            "projectSelection": {
                "kind": "deploymentName",
                "deploymentName": deployment_name,
                "deploymentType": deployment_type,
            },
        }
        data = await self._post("/api/deployment/authorize_within_current_project", body, retry=Retry.IDEMPOTENT)
        return self._credentials(data)

    async def authorize_prod(self, deployment_name: str) -> DeploymentCredentials:
        """Credentials of the default prod deployment of the project `deployment_name` belongs to."""
        data = await self._post(
            "/api/deployment/authorize_prod", {"deploymentName": deployment_name}, retry=Retry.IDEMPOTENT
        )
        return self._credentials(data)

    def _credentials(self, data: Any) -> DeploymentCredentials:
        credentials = DeploymentCredentials.from_json(data)
        self._http.add_secret(credentials.admin_key)
        return credentials

    # -- dashboard API (/api/dashboard) -------------------------------------------------------------------
    async def teams(self) -> list[Team]:
        data = await self._get("/api/dashboard/teams")
        return [Team.from_json(t) for t in _items_and_pagination(data, "teams")[0]]

    async def entitlements(self, team_id: int) -> Entitlements:
        return Entitlements.from_json(await self._get(f"/api/dashboard/teams/{_seg(team_id)}/get_entitlements"))

    async def projects(self, team_id: int) -> list[Project]:
        """Every project of a team (the dashboard route; paginated or a bare array)."""
        return await self._all_pages(
            lambda cursor: self._get(f"/api/dashboard/teams/{_seg(team_id)}/projects", cursor=cursor),
            Project.from_json,
            "projects",
        )

    async def member_data(self) -> MemberData:
        return MemberData.from_json(await self._get("/api/dashboard/member_data"))

    async def instance_auth(self, deployment_name: str) -> InstanceAuth:
        """A credential for the deployment's own API (send it as `Convex <adminKey>`)."""
        data = await self._post(f"/api/dashboard/instances/{_seg(deployment_name)}/auth", retry=Retry.IDEMPOTENT)
        auth = InstanceAuth.from_json(data)
        self._http.add_secret(auth.admin_key)
        return auth

    async def list_cloud_backups(self, deployment_id: int) -> list[CloudBackup]:
        """A deployment's cloud backups, newest first."""
        data = await self._get(f"/api/dashboard/deployments/{_seg(deployment_id)}/list_cloud_backups")
        return [CloudBackup.from_json(b) for b in _items_and_pagination(data, "cloud backups")[0]]

    async def get_cloud_backup(self, backup_id: int) -> CloudBackup:
        return CloudBackup.from_json(await self._get(f"/api/dashboard/cloud_backups/{_seg(backup_id)}"))

    async def request_cloud_backup(self, deployment_id: int, *, include_storage: bool = False) -> CloudBackup:
        """Start a backup of the deployment. Never retried (a retry could start a second backup)."""
        data = await self._post(
            f"/api/dashboard/deployments/{_seg(deployment_id)}/request_cloud_backup",
            {"includeStorage": include_storage},
            retry=Retry.NEVER,
        )
        return CloudBackup.from_json(data)

    async def cancel_cloud_backup(self, backup_id: int) -> None:
        await self._post(f"/api/dashboard/cloud_backups/{_seg(backup_id)}/cancel")

    async def delete_cloud_backup(self, backup_id: int) -> None:
        await self._post(f"/api/dashboard/cloud_backups/{_seg(backup_id)}/delete")

    async def restore_from_cloud_backup(self, target_deployment_id: int, backup_id: int) -> None:
        """Start restoring backup `backup_id` into the target deployment. The import it creates waits for
        confirmation (`perform_import` on the target). Never retried."""
        await self._post(
            f"/api/dashboard/deployments/{_seg(target_deployment_id)}/restore_from_cloud_backup",
            {"id": backup_id},
            retry=Retry.NEVER,
        )

    async def get_periodic_backup_config(self, deployment_id: int) -> PeriodicBackupConfig | None:
        """The schedule, or None when automatic backups are off."""
        data = await self._get(f"/api/dashboard/deployments/{_seg(deployment_id)}/get_periodic_backup_config")
        return PeriodicBackupConfig.from_json(data) if data is not None else None

    async def configure_periodic_backup(
        self, deployment_id: int, cronspec: str, *, expiration_delta_secs: int | None, include_storage: bool
    ) -> PeriodicBackupConfig | None:
        """Create or replace the schedule (a five-field cronspec in UTC). All three fields are always sent,
        because how omitted ones are treated is unknown."""
        body = {"cronspec": cronspec, "expirationDeltaSecs": expiration_delta_secs, "includeStorage": include_storage}
        data = await self._post(
            f"/api/dashboard/deployments/{_seg(deployment_id)}/configure_periodic_backup", body, retry=Retry.IDEMPOTENT
        )
        return PeriodicBackupConfig.from_json(data) if data is not None else None

    async def disable_periodic_backup(self, deployment_id: int) -> None:
        await self._post(
            f"/api/dashboard/deployments/{_seg(deployment_id)}/disable_periodic_backup", retry=Retry.IDEMPOTENT
        )

    # -- Management API (/v1) ------------------------------------------------------------------------------
    async def token_details(self) -> TokenDetails:
        """What kind of token this is (team or project token) and what it belongs to."""
        return TokenDetails.from_json(await self._get("/v1/token_details"))

    async def projects_page(
        self, team_id: int, *, cursor: str | None = None, limit: int = 100, q: str | None = None
    ) -> Page[Project]:
        data = await self._get(f"/v1/teams/{_seg(team_id)}/projects", cursor=cursor, limit=limit, q=q)
        items, has_more, next_cursor = _items_and_pagination(data, "projects")
        return Page(tuple(Project.from_json(p) for p in items), has_more, next_cursor if has_more else None)

    async def v1_projects(self, team_id: int) -> list[Project]:
        """Every project of a team through `/v1` (following the pagination)."""
        return await self._all_pages(
            lambda cursor: self._get(f"/v1/teams/{_seg(team_id)}/projects", cursor=cursor, limit=100),
            Project.from_json,
            "projects",
        )

    async def v1_project(self, project_id: int) -> Project:
        return Project.from_json(await self._get(f"/v1/projects/{_seg(project_id)}"))

    async def list_deployments(self, project_id: int, *, include_local: bool = True) -> list[Deployment]:
        data = await self._get(
            f"/v1/projects/{_seg(project_id)}/list_deployments", includeLocal="true" if include_local else "false"
        )
        return [Deployment.from_json(d) for d in _items_and_pagination(data, "deployments")[0]]

    async def team_deployments(
        self, team_id: int, *, project_id: int | None = None, sort_by: str | None = None, sort_order: str | None = None
    ) -> list[Deployment]:
        """Every deployment of a team through `/v1` (following the pagination); `sort_by` is createTime,
        lastDeployTime or reference, `sort_order` asc or desc (Convex's default: newest first)."""
        return await self._all_pages(
            lambda cursor: self._get(
                f"/v1/teams/{_seg(team_id)}/list_deployments",
                cursor=cursor,
                limit=100,
                projectId=project_id,
                sortBy=sort_by,
                sortOrder=sort_order,
            ),
            Deployment.from_json,
            "deployments",
        )

    async def get_deployment(self, deployment_name: str) -> Deployment:
        return Deployment.from_json(await self._get(f"/v1/deployments/{_seg(deployment_name)}"))
