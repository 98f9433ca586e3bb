"""Plans and the entitlements they grant: what a team may do with cloud backups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Plan:
    key: str
    display_name: str
    max_cloud_backups: int
    periodic_backups_enabled: bool


STARTER = Plan("starter", "Starter", 2, False)
PRO = Plan("pro", "Pro", 50, True)
PLANS = {plan.key: plan for plan in (STARTER, PRO)}


def plan_of(key: str) -> Plan:
    return PLANS.get(key, STARTER)


def entitlements(plan: Plan) -> dict[str, Any]:
    """`TeamEntitlementsResponse`: only the backup-relevant fields are emulated."""
    return {"periodicBackupsEnabled": plan.periodic_backups_enabled, "maxCloudBackups": plan.max_cloud_backups}
