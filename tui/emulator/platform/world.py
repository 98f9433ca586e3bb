"""Edit a sandbox's world offline (the sandbox must not be running): add teams, projects and
deployments to its data folder. The next `sandbox serve` creates their folders, tokens and servers.

    with WorldEditor(root) as world:
        acme = world.team("acme", "Acme", plan="pro")
        shop = world.project(acme, "shop", "Shop")
        world.deployment(shop, "shop-prod-101", "prod")
        world.member("Sam", "sam@example.com", [acme], access_token)
"""

from __future__ import annotations

from pathlib import Path

from tui.emulator.clock import Clock
from tui.emulator.platform import bootstrap, directory
from tui.emulator.platform.access import tokens
from tui.emulator.platform.store import PlatformStore
from tui.emulator.sandbox.folder import SandboxFolder


class WorldEditor:
    def __init__(self, root: Path, clock: Clock | None = None):
        self.root = Path(root)
        self.clock = clock or Clock()
        self.store = PlatformStore(self.root)
        self.folder = SandboxFolder(self.root)

    def __enter__(self) -> WorldEditor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    def team(self, slug: str, name: str, *, plan: str = "starter") -> int:
        operator = bootstrap.ensure_operator(self.store, self.clock)
        with self.store.write() as conn:
            return directory.create_team(
                conn, name=name, slug=slug, plan=plan, creator=operator, now_ms=self.clock.now_ms()
            )

    def project(self, team_id: int, slug: str, name: str) -> int:
        with self.store.write() as conn:
            return directory.create_project(conn, team_id=team_id, name=name, slug=slug, now_ms=self.clock.now_ms())

    def member(self, name: str, email: str, team_ids: list[int], access_token: str) -> int:
        """A team member besides the operator, in `team_ids` only, whose personal access token (what
        `npx convex login` would store for them) is `access_token` (kept as its hash only)."""
        with self.store.write() as conn:
            member_id = directory.create_member(conn, name, email, self.clock.now_ms())
            for team_id in team_ids:
                directory.add_team_member(conn, team_id, member_id)
            tokens.register(
                conn,
                access_token,
                kind="member",
                name=f"{name}'s login",
                now_ms=self.clock.now_ms(),
                member_id=member_id,
            )
            return member_id

    def deployment(self, project_id: int, name: str, deployment_type: str, **options) -> int:
        """`options`: region, deployment_class, is_default, reference, preview_identifier."""
        operator = bootstrap.ensure_operator(self.store, self.clock)
        with self.store.write() as conn:
            return directory.create_deployment(
                conn,
                project_id=project_id,
                name=name,
                deployment_type=deployment_type,
                now_ms=self.clock.now_ms(),
                creator=operator,
                **options,
            )
