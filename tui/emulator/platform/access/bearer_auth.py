"""Who is calling big brain: `Authorization: Bearer <token>` → a Principal, and what it may see.

Other teams' resources answer 404 (`TeamNotFound`, `ProjectNotFound`, `DeploymentNotFound`) exactly as
missing ones do, so a token never learns what exists outside its teams.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from tui.emulator.errors import ConvexError
from tui.emulator.platform import directory
from tui.emulator.platform.access import tokens


@dataclass(frozen=True)
class Principal:
    token_id: int
    kind: str  # 'member' (personal access token) | 'team' (team access token)
    name: str
    create_time: int
    team_ids: frozenset[int]
    member_id: int | None = None
    team_id: int | None = None  # for team tokens

    def __repr__(self) -> str:
        return f"Principal(kind={self.kind!r}, token_id={self.token_id})"

    def actor(self) -> dict[str, Any]:
        """Audit-log actor, in the dashboard API's shape."""
        if self.kind == "member":
            return {"member": {"id": self.member_id}}
        return {"team": {"id": self.team_id, "tokenId": self.token_id}}


def invalid(message: str) -> ConvexError:
    return ConvexError(401, "AccessTokenInvalid", message)


def principal_for_token(conn: sqlite3.Connection, token: str) -> Principal | None:
    if not token or not tokens.is_well_formed(token):
        return None
    row = conn.execute("SELECT * FROM access_tokens WHERE token_sha256 = ?", (tokens.sha256(token),)).fetchone()
    return _principal(conn, row) if row is not None else None


def principal_for_credential(conn: sqlite3.Connection, key: bytes, credential: str) -> Principal | None:
    """The principal whose token an instance credential stands for (see `tokens.instance_credential`)."""
    token_id = tokens.credential_token_id(conn, key, credential)
    row = conn.execute("SELECT * FROM access_tokens WHERE id = ?", (token_id,)).fetchone() if token_id else None
    return _principal(conn, row) if row is not None else None


def _principal(conn: sqlite3.Connection, row: sqlite3.Row) -> Principal:
    if row["kind"] == "member":
        team_ids = directory.member_team_ids(conn, row["member_id"])
    else:
        team_ids = frozenset([row["team_id"]])
    return Principal(
        token_id=row["id"],
        kind=row["kind"],
        name=row["name"],
        create_time=row["create_time"],
        team_ids=team_ids,
        member_id=row["member_id"],
        team_id=row["team_id"],
    )


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise invalid("No access token was sent. Send `Authorization: Bearer <access token>`.")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise invalid("The Authorization header must be `Bearer <access token>`.")
    return value.strip()


def authenticate(conn: sqlite3.Connection, authorization: str | None) -> Principal:
    principal = principal_for_token(conn, bearer_token(authorization))
    if principal is None:
        raise invalid(
            "The access token is not valid. Get the sandbox's token with "
            "`convex-backups sandbox credentials --platform`."
        )
    return principal


# -- what a principal may see -----------------------------------------------------------------------


def team_not_found(ref: Any) -> ConvexError:
    return ConvexError(404, "TeamNotFound", f"Team {ref} not found.")


def project_not_found(ref: Any) -> ConvexError:
    return ConvexError(404, "ProjectNotFound", f"Project {ref} not found.")


def deployment_not_found(ref: Any) -> ConvexError:
    return ConvexError(404, "DeploymentNotFound", f"Deployment {ref} not found.")


def visible_team(conn: sqlite3.Connection, principal: Principal, team_id: int) -> dict[str, Any]:
    team = directory.team(conn, team_id) if team_id in principal.team_ids else None
    if team is None:
        raise team_not_found(team_id)
    return team


def visible_team_by_slug(conn: sqlite3.Connection, principal: Principal, slug: str) -> dict[str, Any]:
    team = directory.team_by_slug(conn, slug)
    if team is None or team["id"] not in principal.team_ids:
        raise team_not_found(slug)
    return team


def visible_project(conn: sqlite3.Connection, principal: Principal, project_id: int) -> dict[str, Any]:
    project = directory.project(conn, project_id)
    if project is None or project["team_id"] not in principal.team_ids:
        raise project_not_found(project_id)
    return project


def visible_deployment(conn: sqlite3.Connection, principal: Principal, deployment_id: int) -> dict[str, Any]:
    row = directory.deployment(conn, deployment_id)
    if row is None or directory.team_id_of_deployment(conn, row) not in principal.team_ids:
        raise deployment_not_found(deployment_id)
    return row


def visible_deployment_by_name(conn: sqlite3.Connection, principal: Principal, name: str) -> dict[str, Any]:
    row = directory.deployment_by_name(conn, name)
    if row is None or directory.team_id_of_deployment(conn, row) not in principal.team_ids:
        raise deployment_not_found(name)
    return row
