"""Helpers of the TUI latency benchmark: a fixed in-process `BackupTarget` with 1,000 deployments and
20,000 backups (the emulator does not hold that many), the minimal Textual app the issue compares with
(Header, Footer, a DataTable of 1,000 rows), and the "first complete screen" predicates."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

from tui.services.protocol import BackupRecord, DeploymentRef, PlanLimits, Schedule, TargetInfo

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
N_DEPLOYMENTS = 1_000
N_BACKUPS = 20_000
MINIMAL_ROWS = 1_000
STATES = ("complete", "complete", "complete", "failed", "canceled")


def big_world(n_deployments: int = N_DEPLOYMENTS, n_backups: int = N_BACKUPS):
    """1,000 deployments in 10 teams x 50 projects x (prod, dev); every backup on the first deployment,
    the one selected at start (the worst case for the backups table)."""
    deployments = []
    for i in range(n_deployments):
        team, project = f"team-{i // 100:02d}", f"project-{i // 2:03d}"
        kind = "prod" if i % 2 == 0 else "dev"
        name = f"deploy-{i:04d}"
        deployments.append(DeploymentRef(team, project, name, kind, "aws-us-east-1",
                                         f"https://{name}.convex.cloud", str(i), kind == "prod"))
    first = deployments[0].name
    backups = []
    for i in range(n_backups):
        requested = NOW - timedelta(minutes=30 * i + 5)
        state = STATES[i % len(STATES)]
        backups.append(BackupRecord(
            str(9_000_000 + n_backups - i), first, state, requested,
            requested + timedelta(seconds=40 + i % 50) if state == "complete" else None,
            requested + timedelta(days=14), i % 3 == 0, 1_000_000 + i * 17 if state == "complete" else None,
            first if i % 7 else deployments[1].name, "daily" if i % 4 == 0 else "manual", None))
    return deployments, backups


class BigTarget:
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


class MinimalApp(App):
    """The issue's yardstick: Header, Footer and a DataTable of 1,000 rows."""

    def __init__(self, rows: int = MINIMAL_ROWS) -> None:
        super().__init__()
        self.n_rows = rows
        self.highlighted: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "state", "requested", "size", "kind")
        for i in range(self.n_rows):
            table.add_row(str(i), "complete", f"{i} h ago", f"{i * 17} kB", "manual", key=str(i))
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.highlighted = event.cursor_row


def minimal_complete(app: MinimalApp) -> bool:
    """Complete: the table holds its 1,000 rows and has been laid out (a size) on the active screen."""
    try:
        table = app.query_one(DataTable)
    except Exception:  # noqa: BLE001 - not composed yet
        return False
    return table.row_count == app.n_rows and table.size.height > 0


def app_complete(app) -> bool:
    """Complete: the deployments tree lists every deployment, the first one is selected, and the backups
    table shows that deployment's backups as loaded (its rows, or the "no backups yet" note), all laid
    out on the main screen."""
    from tui.screens.main_screen import MainScreen
    from tui.widgets.backup_table import BackupTable
    from tui.widgets.deployment_tree import DeploymentTree

    screen = app.screen
    if not isinstance(screen, MainScreen) or screen.current is None or not screen.deployments:
        return False
    tree = screen.query_one(DeploymentTree)
    table = screen.query_one(BackupTable)
    return (len(tree._by_name) == len(screen.deployments) and table.empty_text.startswith("No backups yet")
            and table.row_count == len(table.shown) and table.size.height > 0)
