"""A `BackupTarget` with fixed values, for SNAPSHOTS ONLY (behaviour tests use the real sandbox): the
same teams, times and progress every run, so the SVGs are deterministic."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from memory_target import InMemoryTarget
from tui.services.protocol import (
    BackupRecord,
    DeploymentRef,
    EnvSnapshot,
    PlanLimits,
    Progress,
    Schedule,
    TargetInfo,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def _ref(team, project, name, type, region="aws-us-east-1", read_only=False):
    return DeploymentRef(
        team, project, name, type, region, f"https://{name}.convex.cloud", "1", type == "prod", read_only
    )


DEPLOYMENTS = [
    _ref("acme-corp", "storefront", "brave-marmot-193", "prod"),
    _ref("acme-corp", "storefront", "gentle-salmon-943", "dev"),
    _ref("acme-corp", "storefront", "clever-raven-321", "preview"),
    _ref("indie-studio", "habit-tracker", "witty-marmot-395", "prod", "aws-eu-west-1"),
]


def _backup(
    id, state, hours_ago, took=None, storage=False, size=None, kind="manual", source=None, expires_in_hours=24 * 7
):
    requested = NOW - timedelta(hours=hours_ago)
    return BackupRecord(
        id,
        "brave-marmot-193",
        state,
        requested,
        requested + timedelta(seconds=took) if took else None,
        NOW + timedelta(hours=expires_in_hours),
        storage,
        size,
        source or "brave-marmot-193",
        kind,
        "snap" + id,
    )


BACKUPS = [
    _backup("8000012", "inProgress", 0.05, storage=True),
    _backup("8000011", "complete", 26, took=94, storage=True, size=48_200_000, kind="daily"),
    _backup("8000010", "complete", 150, took=81, size=31_900_000, kind="weekly", expires_in_hours=18),
    _backup("8000009", "failed", 170),
    _backup("8000008", "complete", 70, took=40, size=2_100_000, source="gentle-salmon-943"),
]
PRO = PlanLimits(50, 4, True, "Team acme-corp's plan keeps at most 50 backups per deployment; brave-marmot-193 has 4.")
STARTER = PlanLimits(
    2,
    2,
    False,
    "Team indie-studio's plan keeps at most 2 backups per deployment; "
    "witty-marmot-395 has 2. Periodic backups are a Convex Pro feature this plan lacks.",
)
SCHEDULE = Schedule("weekly", 3, 30, 1, True, next_run=NOW + timedelta(days=6, hours=15, minutes=30))


class FixedTarget(InMemoryTarget):
    async def info(self):
        return TargetInfo("cloud", "Convex Cloud (snapshot fixture)")

    async def aclose(self):
        pass

    async def list_deployments(self, project=None):
        return list(DEPLOYMENTS)

    async def plan_limits(self, deployment):
        return STARTER if deployment.team == "indie-studio" else PRO

    async def list_backups(self, deployment):
        return list(BACKUPS) if deployment.name == "brave-marmot-193" else []

    async def get_schedule(self, deployment):
        return SCHEDULE if deployment.team == "acme-corp" else None

    async def follow_backup(self, deployment, backup_id):
        yield Progress(
            "Backing up orders: 12000 / 40000 documents",
            done=12_000,
            total=40_000,
            fraction=0.34,
            elapsed=75.0,
            eta=142.0,
            state="inProgress",
        )
        await asyncio.Event().wait()  # stays running

    async def env_live(self, deployment):
        return EnvSnapshot(
            deployment.name,
            NOW,
            {"STRIPE_KEY": "sk_live_123456", "SITE_URL": "https://x.example", "OPENAI_API_KEY": "sk-abcdef"},
        )

    async def env_saved(self, deployment):
        return [
            EnvSnapshot(
                deployment.name, NOW - timedelta(days=1), {"STRIPE_KEY": "sk_old"}, id="env-1", reason="backup 8000011"
            )
        ]

    async def env_diff(self, deployment, saved_id):
        from tui.services.protocol import EnvDiff

        return EnvDiff(saved_id, (), ("OPENAI_API_KEY", "SITE_URL"), ("STRIPE_KEY",), ())
