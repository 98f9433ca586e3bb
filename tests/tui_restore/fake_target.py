"""A fixed, in-memory `BackupTarget` for SNAPSHOT tests only (deterministic pictures). Behaviour tests run
against the real sandbox. Times are relative to now so humanised ages stay the same."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from memory_target import InMemoryTarget
from tui.api.errors import ImportFailed
from tui.services.protocol import (
    BackupRecord,
    DeploymentRef,
    PlanLimits,
    Progress,
    RestorePlan,
    RestoreResult,
    TableChange,
    TableProgress,
    TargetInfo,
)

FIXED = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
NOW = FIXED + timedelta(hours=2)  # the snapshot tests freeze the screens' clock here


def ref(name: str, type: str = "prod", project: str = "storefront", region: str = "aws-us-east-1") -> DeploymentRef:
    return DeploymentRef("acme-corp", project, name, type, region, f"https://{name}.example", "1", type == "prod")


PROD = ref("brave-marmot-193")
DEV = ref("gentle-salmon-943", "dev")
EU = ref("rapid-zebra-717", project="sales-crm", region="aws-eu-west-1")


def backup(
    id: str, deployment: str, hours: float, state: str = "complete", storage: bool = True, size: int | None = 4_718_592
) -> BackupRecord:
    requested = NOW - timedelta(hours=hours)
    done = requested + timedelta(seconds=50) if state == "complete" else None
    return BackupRecord(
        id,
        deployment,
        state,
        requested,
        done,
        requested + timedelta(days=7),
        storage,
        size if state == "complete" else None,
        deployment,
        "manual",
        "snap" if done else None,
    )


CHANGES = (
    TableChange("products", 1200, 1180, 1180),
    TableChange("orders", 5400, 5450, 5450),
    TableChange("customers", 830, 829, 829),
    TableChange("_storage", 12, 12, 12),
)


class FakeTarget(InMemoryTarget):
    def __init__(self, *, recent: bool = False, fail_stage: bool = False, at_limit: bool = False):
        self.backups = {
            PROD.name: [
                backup("8000011", PROD.name, 26),
                backup("8000010", PROD.name, 50),
                backup("8000008", PROD.name, 74, state="failed"),
            ],
            DEV.name: [backup("8000012", DEV.name, 12, storage=False, size=1_048_576)],
            EU.name: [backup("8000014", EU.name, 48)],
        }
        if recent:
            self.backups[PROD.name].insert(0, backup("8000020", PROD.name, 0.02))
        self.fail_stage = fail_stage
        self.at_limit = at_limit
        self.calls: list[str] = []

    async def info(self):
        return TargetInfo("sandbox", "local sandbox (fixture)")

    async def check_restore(self, target, *, backup=None):
        self.calls.append("check_restore")

    async def plan_limits(self, deployment):
        counted = len([b for b in self.backups.get(deployment.name, []) if b.state == "complete"])
        return PlanLimits(counted if self.at_limit else 50, counted, not self.at_limit, "fixture plan")

    async def stored_file_count(self, deployment):
        return 12

    def local_backup_folder(self, deployment):
        return Path("/backups") / deployment.name

    async def safety_snapshot(self, deployment, *, include_storage=True, on_progress=None):
        self.calls.append("safety_snapshot")
        return backup("20261125T113000Z-ab12", deployment.name, 0)

    async def list_deployments(self, project=None):
        return [PROD, DEV, EU]

    async def get_deployment(self, name):
        return {d.name: d for d in (PROD, DEV, EU)}[name]

    async def list_backups(self, deployment):
        return list(self.backups.get(deployment.name, []))

    async def request_backup(self, deployment, *, include_storage=False):
        self.calls.append("request_backup")
        return backup("8000021", deployment.name, 0, state="inProgress")

    async def follow_backup(self, deployment, backup_id):
        yield Progress(
            "Writing table orders (2 of 4)", done=2, total=4, fraction=0.5, elapsed=12.0, eta=12.0, state="inProgress"
        )
        await asyncio.Event().wait()  # stays running: the snapshot shows it half way

    async def get_backup(self, deployment, backup_id):
        return backup(backup_id, deployment.name, 0)

    def _plan(self, source: str, target: DeploymentRef, backup_id: str | None) -> RestorePlan:
        return RestorePlan(
            source,
            target,
            CHANGES,
            "Import will replace all 4 tables (8,571 documents).",
            True,
            "import-1",
            backup_id,
            cloud_restore=backup_id is not None,
        )  # as CloudTarget's

    async def prepare_restore(self, backup_id, target, *, source=None):
        self.calls.append("prepare_restore")
        if self.fail_stage:
            raise ImportFailed(
                "brave-marmot-193 could not read the backup: a restore is already running", code="ImportFailed"
            )
        return self._plan(
            f"backup {backup_id} of {(source or target).name} ({FIXED:%Y-%m-%d %H:%M} UTC)", target, backup_id
        )

    async def prepare_file_import(self, path, target, *, on_progress=None):
        self.calls.append("prepare_file_import")
        return self._plan(str(Path(path).name), target, None)

    async def confirm_restore(self, plan):
        self.calls.append("confirm_restore")

    async def abandon_restore(self, plan):
        self.calls.append("abandon_restore")

    async def follow_restore(self, plan):
        tables = (
            TableProgress("customers", 830, 830),
            TableProgress("orders", 2700, 5400),
            TableProgress("products", 1200, 1200),
            TableProgress("_storage", 0, 12),
        )
        yield Progress(
            "Importing orders",
            done=4730,
            total=7442,
            fraction=0.64,
            elapsed=21.0,
            eta=12.0,
            state="in_progress",
            tables=tables,
        )
        if getattr(self, "hold_follow", False):
            await asyncio.Event().wait()

    async def restore_result(self, plan):
        return RestoreResult("completed", 7430, None, FIXED, 33.0)  # documents: Convex counts no files


def write_demo_zip(path: Path) -> Path:
    """A tiny snapshot ZIP with two tables (fixed content) for the inspect snapshots."""
    from tui.archive.writer import SnapshotWriter

    with SnapshotWriter(str(path)) as archive:
        archive.write_tables_index("", [("products", 10001), ("orders", 10002)])
        for table, rows in (
            ("products", [{"name": "Lamp", "price": 25}, {"name": "Desk", "price": 180}]),
            ("orders", [{"product": "Lamp", "quantity": 2}]),
        ):
            with archive.open_table("", table) as writer:
                for row in rows:
                    writer.write_document(row)
    return path


class InspectableFake(FakeTarget):
    async def download_backup(self, deployment, backup_id, *, folder, progress=None):
        """Like a `DownloadResult`, as far as the inspect screen reads it: where the ZIP is."""
        return SimpleNamespace(path=write_demo_zip(Path(folder) / "snapshot_brave-marmot-193_1764063000000000000.zip"))

    has_data_api = True

    async def deployment_client(self, deployment):
        return _CountingClient({"products": 3, "orders": 1, "carts": 4})


class _CountingClient:
    """The two calls of a deployment's API that counting its tables makes (DeploymentClient), from memory."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    async def user_tables(self, component_id=None):
        return list(self.counts)

    async def table_sizes(self, tables, component_id=None):
        return {table: self.counts[table] for table in tables}
