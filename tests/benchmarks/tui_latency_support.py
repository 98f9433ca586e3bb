"""Helpers of the TUI latency benchmark: a fixed in-process `BackupTarget` with 1,000 deployments and
20,000 backups (the emulator does not hold that many), the minimal Textual app the issue compares with
(one label, a modal on `m`), and the "first complete screen" predicates."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from textual.app import App, ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Label

from memory_target import InMemoryTarget
from tui.services.protocol import BackupRecord, DeploymentRef, PlanLimits, Schedule, TargetInfo

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
N_DEPLOYMENTS = 1_000
N_BACKUPS = 20_000
STATES = ("complete", "complete", "complete", "failed", "canceled")


def big_world(n_deployments: int = N_DEPLOYMENTS, n_backups: int = N_BACKUPS):
    """1,000 deployments in 10 teams x 50 projects x (prod, dev); every backup on the first deployment,
    the one selected at start (the worst case for the backups table)."""
    deployments = []
    for i in range(n_deployments):
        team, project = f"team-{i // 100:02d}", f"project-{i // 2:03d}"
        kind = "prod" if i % 2 == 0 else "dev"
        name = f"deploy-{i:04d}"
        deployments.append(
            DeploymentRef(
                team, project, name, kind, "aws-us-east-1", f"https://{name}.convex.cloud", str(i), kind == "prod"
            )
        )
    first = deployments[0].name
    backups = []
    for i in range(n_backups):
        requested = NOW - timedelta(minutes=30 * i + 5)
        state = STATES[i % len(STATES)]
        backups.append(
            BackupRecord(
                str(9_000_000 + n_backups - i),
                first,
                state,
                requested,
                requested + timedelta(seconds=40 + i % 50) if state == "complete" else None,
                requested + timedelta(days=14),
                i % 3 == 0,
                1_000_000 + i * 17 if state == "complete" else None,
                first if i % 7 else deployments[1].name,
                "daily" if i % 4 == 0 else "manual",
                None,
            )
        )
    return deployments, backups


class BigTarget(InMemoryTarget):
    """Answers at once from memory: measures the app, not the network."""

    def __init__(self) -> None:
        self.deployments, self.backups = big_world()
        self.limits = PlanLimits(50_000, len(self.backups), True, "Benchmark plan.")
        self.schedule = Schedule("daily", 4, 15, None, True, next_run=NOW + timedelta(hours=16))

    async def info(self):
        return TargetInfo("cloud", "benchmark target (in memory)")

    async def aclose(self):
        pass

    async def list_deployments(self, project=None):
        return list(self.deployments)

    async def get_deployment(self, name):
        return next(d for d in self.deployments if d.name == name)

    async def plan_limits(self, deployment):
        return self.limits

    async def list_backups(self, deployment):
        return list(self.backups) if deployment.name == self.deployments[0].name else []

    async def get_schedule(self, deployment):
        return self.schedule

    async def follow_backup(self, deployment, backup_id):
        await asyncio.Event().wait()
        yield  # pragma: no cover


class Modal(ModalScreen):
    def compose(self) -> ComposeResult:
        yield Label("a modal")


class MinimalApp(App):
    """The issue's yardstick: a Textual app that paints one label, and opens a modal on `m`."""

    BINDINGS = [("m", "modal", "Modal")]

    def compose(self) -> ComposeResult:
        yield Label("convex-backups")

    def action_modal(self) -> None:
        self.push_screen(Modal())


def minimal_complete(app: MinimalApp) -> bool:
    """Complete: the label has been laid out on the screen."""
    try:
        return app.query_one(Label).size.height > 0
    except Exception:  # noqa: BLE001 - not composed yet
        return False


def app_complete(app) -> bool:
    """Complete: the deployments tree lists every deployment, the first one (a PROD deployment) is
    selected, and the backups table shows that deployment's backups as loaded, a complete one among them,
    all laid out on the main screen."""
    from tui.screens.main.screen import MainScreen
    from tui.widgets.backup_table import BackupTable
    from tui.widgets.deployment_tree import DeploymentTree

    screen = app.screen
    if not isinstance(screen, MainScreen) or screen.current is None or not screen.deployments:
        return False
    tree = screen.query_one(DeploymentTree)
    table = screen.query_one(BackupTable)
    return (
        len(tree.deployment_nodes) == len(screen.deployments)
        and table.empty_text.startswith("No backups yet")
        and table.row_count == len(table.shown)
        and table.size.height > 0
        and screen.current.is_prod
        and any(b.state == "complete" for b in table.shown)
    )
