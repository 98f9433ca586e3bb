"""Which kind of token each family of big brain's routes accepts: only where Convex documents it
(tui/commands/README.md "Which token reaches what"; the management API's docs, `npm-packages/docs/docs/platform-apis/`).

- The token of `npx convex login` (a member's personal access token): the dashboard's routes
  (`/api/dashboard/*`), the CLI's (`/api/authorize`, `/api/teams`, `/api/deployment/*`) and `/v1`.
- A team access token: the management API (`/v1`) only. (Deployments accept it as `Convex <token>`, as
  Convex Cloud's do: link.py.)
- A deploy key is no access token: big brain knows it only on the CLI's two deploy-key lookups
  (`url_for_key`, `team_and_project_for_key`, which read it themselves); everything else is the deployment's.

The emulator's own routes (`/api/_emulator/*`) check for the operator's token themselves.
"""

from __future__ import annotations

from tui.emulator.errors import ConvexError
from tui.emulator.platform.access.bearer_auth import Principal

MANAGEMENT_API = "/v1/"
EMULATOR_ROUTES = "/api/_emulator/"
_TEAM_TOKEN_ROUTES = (MANAGEMENT_API, EMULATOR_ROUTES)


def check(principal: Principal, path: str) -> None:
    """Refuse a token on a route Convex does not document for its kind."""
    if principal.kind == "member":
        return
    if principal.kind == "team" and path.startswith(_TEAM_TOKEN_ROUTES):
        return
    raise ConvexError(
        403,
        "TokenKindNotAccepted",
        "A team access token is accepted by the management API (/v1) only, not by this route. Use the "
        "token of `npx convex login` for the dashboard's and the Convex CLI's routes.",
    )
