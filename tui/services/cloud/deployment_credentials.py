"""A credential for a Cloud deployment's own API, by the routes Convex documents for the token at hand
(tui/commands/README.md "Which token reaches what"):

- a login token: the dashboard's `POST /api/dashboard/instances/{name}/auth` first; when big brain refuses
  it (no Convex client calls it with a CLI login token), what the official CLI does with that token:
  `POST /api/deployment/authorize_within_current_project`, then, for the project's prod deployment,
  `POST /api/deployment/authorize_prod`. Once the dashboard route refuses the token itself (401/403), it
  is not asked again;
- a team or project token: the token itself, sent to the deployment as `Convex <token>` (Cloud deployments
  check such tokens with big brain), with the URL the `/v1` listing gave.

Which route gave each credential is logged at DEBUG (`--debug`), never the credential.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tui.api.errors import AuthError, ConvexApiError, InvalidRequest, NotFound, PermissionDenied
from tui.api.platform.client import PlatformClient
from tui.api.secrets import Secret
from tui.services.protocol import DeploymentRef

log = logging.getLogger("tui.services.credentials")

REFUSED = (AuthError, PermissionDenied, InvalidRequest, NotFound)  # an answer, not an outage
DASHBOARD_ROUTE = "POST /api/dashboard/instances/{name}/auth"
WITHIN_PROJECT_ROUTE = "POST /api/deployment/authorize_within_current_project"
PROD_ROUTE = "POST /api/deployment/authorize_prod"
TOKEN_ITSELF = "the token itself (Convex <token>)"


@dataclass(frozen=True)
class DeploymentCredential:
    url: str | None
    admin_key: Secret
    route: str  # which of the routes above gave it


def _why(error: ConvexApiError) -> str:
    status = f"HTTP {error.status}" if error.status is not None else "refused"
    return f"{status} {error.code}" if error.code else status


class CredentialRoutes:
    def __init__(self, platform: PlatformClient, *, token_is_login: bool = True):
        self.platform = platform
        self.token_is_login = token_is_login
        self.dashboard_refused: str | None = None  # why the dashboard route refused the token, once it has
        self.used: dict[str, str] = {}  # deployment name -> the route that gave its credential

    async def fetch(self, name: str, ref: DeploymentRef | None) -> DeploymentCredential:
        credential = await self._fetch(name, ref)
        self.used[name] = credential.route
        log.debug("credential for deployment %s: %s", name, credential.route)
        return credential

    async def _fetch(self, name: str, ref: DeploymentRef | None) -> DeploymentCredential:
        if not self.token_is_login:
            return DeploymentCredential(ref.url if ref else None, Secret(self.platform.token), TOKEN_ITSELF)
        if self.dashboard_refused is None:
            try:
                auth = await self.platform.instance_auth(name)
                return DeploymentCredential(auth.instance_url or None, auth.admin_key, DASHBOARD_ROUTE)
            except REFUSED as error:
                log.debug("%s refused for %s (%s); trying the Convex CLI's routes", DASHBOARD_ROUTE, name, _why(error))
                if isinstance(error, (AuthError, PermissionDenied)):
                    self.dashboard_refused = _why(error)
        deployment_type = ref.type if ref is not None else None
        try:
            found = await self.platform.authorize_within_current_project(name, deployment_type=deployment_type)
            if found.deployment_name in ("", name):
                return DeploymentCredential(found.url or None, found.admin_key, WITHIN_PROJECT_ROUTE)
            first: ConvexApiError = NotFound(
                f"Convex answered with the credential of {found.deployment_name}, not {name}.",
                code="DeploymentMismatch",
            )
        except REFUSED as error:
            first = error
        log.debug("%s refused for %s (%s)", WITHIN_PROJECT_ROUTE, name, _why(first))
        if ref is None or ref.is_prod:
            try:
                prod = await self.platform.authorize_prod(name)
            except REFUSED:
                raise first from None
            if prod.deployment_name == name:  # the project's default prod is this deployment
                return DeploymentCredential(prod.url or None, prod.admin_key, PROD_ROUTE)
        raise first
