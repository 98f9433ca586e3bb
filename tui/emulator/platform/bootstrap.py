"""The platform's world on every start: the operator, a default team and project, every deployment
folder known to the store (and every store deployment with a folder), and a token for everyone.

- An empty data folder gets one Starter team `sandbox`, one project `sandbox` and one prod deployment.
- A data folder from before the platform (deployment folders, no platform.sqlite3) has its deployments
  adopted into that default team and project: the first as the default prod deployment.
- A deployment folder the store does not know (a crash while one was being created) is adopted the same
  way; a store deployment without a folder gets an empty one.
"""

from __future__ import annotations

from pathlib import Path

from tui.emulator.clock import Clock
from tui.emulator.platform import directory
from tui.emulator.platform.access import tokens
from tui.emulator.platform.store import PlatformStore
from tui.emulator.platform.access.token_files import TEAM_TOKENS_DIR, operator_token_path, team_token_path
from tui.emulator.sandbox.folder import SandboxFolder

OPERATOR_NAME = "Sandbox Operator"
OPERATOR_EMAIL = "operator@sandbox.local"
DEFAULT_TEAM = ("Sandbox", "sandbox")
DEFAULT_PROJECT = ("Sandbox", "sandbox")


def operator_id(store: PlatformStore) -> int:
    member_id = store.get_meta("operator_member_id")
    if member_id is None:
        raise LookupError("the platform store has no operator yet (`ensure_operator` makes one)")
    return int(member_id)


def ensure_operator(store: PlatformStore, clock: Clock) -> int:
    with store.write() as conn:
        member_id = directory.create_member(conn, OPERATOR_NAME, OPERATOR_EMAIL, clock.now_ms())
        store.set_meta(conn, "operator_member_id", str(member_id))
    return member_id


def ensure_default_team(store: PlatformStore, clock: Clock) -> tuple[int, int]:
    """The default team and project (created when the store has no team yet)."""
    member_id = ensure_operator(store, clock)
    now = clock.now_ms()
    with store.write() as conn:
        first = conn.execute("SELECT id FROM teams ORDER BY id LIMIT 1").fetchone()
        if first is None:
            team_id = directory.create_team(
                conn, name=DEFAULT_TEAM[0], slug=DEFAULT_TEAM[1], plan="starter", creator=member_id, now_ms=now
            )
            project_id = directory.create_project(
                conn, team_id=team_id, name=DEFAULT_PROJECT[0], slug=DEFAULT_PROJECT[1], now_ms=now
            )
        else:
            team_id = first[0]
            row = conn.execute("SELECT id FROM projects WHERE team_id = ? ORDER BY id LIMIT 1", (team_id,)).fetchone()
            project_id = (
                row[0]
                if row
                else directory.create_project(
                    conn, team_id=team_id, name=DEFAULT_PROJECT[0], slug=DEFAULT_PROJECT[1], now_ms=now
                )
            )
    return team_id, project_id


def ensure_deployments(store: PlatformStore, folder: SandboxFolder, clock: Clock) -> None:
    """Folders and rows agree; an empty world gets its first prod deployment."""
    _, project_id = ensure_default_team(store, clock)
    known = {row["name"] for row in directory.all_deployments(store.conn())}
    on_disk = folder.deployment_names()
    for name in known - set(on_disk):
        folder.create_deployment(name)
    orphans = [name for name in on_disk if name not in known]
    if not known and not orphans:
        orphans = [folder.create_deployment()]
    now = clock.now_ms()
    with store.write() as conn:
        for name in orphans:
            directory.create_deployment(
                conn,
                project_id=project_id,
                name=name,
                deployment_type="prod",
                now_ms=now,
                creator=operator_id(store),
            )


def ensure_tokens(store: PlatformStore, root: Path, clock: Clock) -> None:
    """The operator's token in `<data>/access_token`, each team's in `<data>/team_tokens/<slug>`; the
    operator is a member of every team."""
    member_id = operator_id(store)
    now = clock.now_ms()
    team_dir = Path(root) / TEAM_TOKENS_DIR
    team_dir.mkdir(parents=True, exist_ok=True)
    team_dir.chmod(0o700)
    with store.write() as conn:
        tokens.ensure_token_file(
            conn,
            operator_token_path(root),
            kind="member",
            name="sandbox operator",
            now_ms=now,
            member_id=member_id,
        )
        for team in directory.all_teams(conn):
            directory.add_team_member(conn, team["id"], member_id)
            tokens.ensure_token_file(
                conn,
                team_token_path(root, team["slug"]),
                kind="team",
                name=f"{team['slug']} team token",
                now_ms=now,
                team_id=team["id"],
            )
