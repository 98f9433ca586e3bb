"""Teams, members, projects and deployments in the platform store: create and look up."""

from __future__ import annotations

import random
import sqlite3
from typing import Any

from tui.emulator.platform.store import insert

DEFAULT_REGION = "aws-us-east-1"
DEFAULT_CLASS = "s16"
TYPES = ("prod", "dev", "preview")


def _dict(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return dict(row) if row is not None else None


def existing(row: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """A row another row points at: the store's foreign keys keep it there."""
    if row is None:
        raise LookupError(f"{what} is not in the platform store")
    return row


# -- creating ---------------------------------------------------------------------------------------


def create_member(conn: sqlite3.Connection, name: str, email: str, now_ms: int) -> int:
    row = conn.execute("SELECT id FROM members WHERE email = ?", (email,)).fetchone()
    if row:
        return row[0]
    return insert(conn, "members", {"name": name, "email": email, "create_time": now_ms})


def add_team_member(conn: sqlite3.Connection, team_id: int, member_id: int, role: str = "admin") -> None:
    conn.execute(
        "INSERT OR IGNORE INTO team_members(team_id, member_id, role) VALUES (?, ?, ?)", (team_id, member_id, role)
    )


def create_team(
    conn: sqlite3.Connection,
    *,
    name: str,
    slug: str,
    plan: str,
    creator: int | None,
    now_ms: int,
    region: str | None = DEFAULT_REGION,
) -> int:
    existing = conn.execute("SELECT id FROM teams WHERE slug = ?", (slug,)).fetchone()
    if existing:
        return existing[0]
    code = slug.upper().replace("-", "")[:8] + str(random.Random(slug).randint(100, 999))
    team_id = insert(
        conn,
        "teams",
        {
            "name": name,
            "slug": slug,
            "plan": plan,
            "creator": creator,
            "default_region": region,
            "referral_code": code,
            "create_time": now_ms,
        },
    )
    if creator is not None:
        add_team_member(conn, team_id, creator)
    return team_id


def create_project(conn: sqlite3.Connection, *, team_id: int, name: str, slug: str, now_ms: int) -> int:
    existing = conn.execute("SELECT id FROM projects WHERE team_id = ? AND slug = ?", (team_id, slug)).fetchone()
    if existing:
        return existing[0]
    return insert(conn, "projects", {"team_id": team_id, "name": name, "slug": slug, "create_time": now_ms})


def create_deployment(
    conn: sqlite3.Connection,
    *,
    project_id: int,
    name: str,
    deployment_type: str,
    now_ms: int,
    creator: int | None = None,
    region: str = DEFAULT_REGION,
    is_default: bool | None = None,
    reference: str | None = None,
    deployment_class: str = DEFAULT_CLASS,
    preview_identifier: str | None = None,
) -> int:
    """A deployment row (its folder is made by the caller). The first prod/dev of a project is its default."""
    existing = conn.execute("SELECT id FROM deployments WHERE name = ?", (name,)).fetchone()
    if existing:
        return existing[0]
    if deployment_type not in TYPES:
        raise ValueError(f"unknown deployment type {deployment_type!r}")
    if is_default is None:
        is_default = (
            deployment_type != "preview"
            and conn.execute(
                "SELECT 1 FROM deployments WHERE project_id = ? AND deployment_type = ? AND is_default = 1",
                (project_id, deployment_type),
            ).fetchone()
            is None
        )
    base = (
        reference
        or {"prod": "production", "dev": "development"}.get(deployment_type)
        or (f"preview-{preview_identifier or 'branch'}")
    )
    reference, n = base, 1
    while conn.execute(
        "SELECT 1 FROM deployments WHERE project_id = ? AND reference = ?", (project_id, reference)
    ).fetchone():
        n += 1
        reference = f"{base}-{n}"
    return insert(
        conn,
        "deployments",
        {
            "name": name,
            "project_id": project_id,
            "deployment_type": deployment_type,
            "region": region,
            "is_default": int(is_default),
            "reference": reference,
            "class": deployment_class,
            "creator": creator,
            "preview_identifier": preview_identifier,
            "create_time": now_ms,
            "last_deploy_time": None,
            "expires_at": None,
        },
    )


# -- reading ----------------------------------------------------------------------------------------


def team(conn: sqlite3.Connection, team_id: int) -> dict[str, Any] | None:
    return _dict(conn.execute("SELECT * FROM teams WHERE id = ?", (team_id,)).fetchone())


def existing_team(conn: sqlite3.Connection, team_id: int) -> dict[str, Any]:
    return existing(team(conn, team_id), f"team {team_id}")


def team_by_slug(conn: sqlite3.Connection, slug: str) -> dict[str, Any] | None:
    return _dict(conn.execute("SELECT * FROM teams WHERE slug = ?", (slug,)).fetchone())


def teams(conn: sqlite3.Connection, team_ids: frozenset[int] | set[int]) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM teams ORDER BY id").fetchall()
    return [dict(r) for r in rows if r["id"] in team_ids]


def all_teams(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM teams ORDER BY id").fetchall()]


def member(conn: sqlite3.Connection, member_id: int) -> dict[str, Any] | None:
    return _dict(conn.execute("SELECT * FROM members WHERE id = ?", (member_id,)).fetchone())


def member_team_ids(conn: sqlite3.Connection, member_id: int) -> frozenset[int]:
    rows = conn.execute("SELECT team_id FROM team_members WHERE member_id = ?", (member_id,)).fetchall()
    return frozenset(r[0] for r in rows)


def project(conn: sqlite3.Connection, project_id: int) -> dict[str, Any] | None:
    return _dict(conn.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchone())


def existing_project(conn: sqlite3.Connection, project_id: int) -> dict[str, Any]:
    return existing(project(conn, project_id), f"project {project_id}")


def project_by_slug(conn: sqlite3.Connection, team_id: int, slug: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM projects WHERE team_id = ? AND slug = ?", (team_id, slug)).fetchone()
    return _dict(row)


def projects_of_team(conn: sqlite3.Connection, team_id: int) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM projects WHERE team_id = ? ORDER BY id DESC", (team_id,)).fetchall()
    return [dict(r) for r in rows]


def deployment(conn: sqlite3.Connection, deployment_id: int) -> dict[str, Any] | None:
    return _dict(conn.execute("SELECT * FROM deployments WHERE id = ?", (deployment_id,)).fetchone())


def existing_deployment(conn: sqlite3.Connection, deployment_id: int) -> dict[str, Any]:
    return existing(deployment(conn, deployment_id), f"deployment {deployment_id}")


def deployment_by_name(conn: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    return _dict(conn.execute("SELECT * FROM deployments WHERE name = ?", (name,)).fetchone())


def all_deployments(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM deployments ORDER BY id").fetchall()]


def deployments_of_project(conn: sqlite3.Connection, project_id: int) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM deployments WHERE project_id = ? ORDER BY id", (project_id,)).fetchall()
    return [dict(r) for r in rows]


def deployments_of_team(conn: sqlite3.Connection, team_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT d.* FROM deployments d JOIN projects p ON p.id = d.project_id WHERE p.team_id = ? ORDER BY d.id",
        (team_id,),
    ).fetchall()
    return [dict(r) for r in rows]


def team_id_of_deployment(conn: sqlite3.Connection, deployment_row: dict[str, Any]) -> int:
    return conn.execute("SELECT team_id FROM projects WHERE id = ?", (deployment_row["project_id"],)).fetchone()[0]


def default_deployment(conn: sqlite3.Connection, project_id: int, deployment_type: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM deployments WHERE project_id = ? AND deployment_type = ? ORDER BY is_default DESC, id LIMIT 1",
        (project_id, deployment_type),
    ).fetchone()
    return _dict(row)
