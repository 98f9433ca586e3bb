"""Periodic backup schedules on Convex Cloud: read, set and disable, refusing before the call
when the team's plan lacks periodic backups (a Convex Pro feature)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tui.api.errors import ConvexApiError, PlanLimit
from tui.api.platform.models import PeriodicBackupConfig
from tui.services.cloud.directory import CloudDirectory, deployment_number
from tui.services.errors import NotEntitled
from tui.services.protocol import DeploymentRef, Schedule

DAILY_RETENTION = timedelta(days=7)  # Convex's documented retention of periodic backups
WEEKLY_RETENTION = timedelta(days=14)


def schedule_of(config: PeriodicBackupConfig) -> Schedule | None:
    when = config.utc_minute_hour_weekday
    if when is None:
        return None
    minute, hour, weekday = when
    return Schedule(
        frequency="daily" if weekday is None else "weekly",
        utc_hour=hour,
        utc_minute=minute,
        weekday=weekday,
        include_storage=config.include_storage,
        next_run=datetime.fromtimestamp(config.next_run_ms / 1000, timezone.utc) if config.next_run_ms else None,
        retention=timedelta(seconds=config.expiration_delta_secs) if config.expiration_delta_secs else None,
    )


class CloudSchedules:
    def __init__(self, directory: CloudDirectory):
        self.directory = directory
        self.platform = directory.platform

    async def raw(self, deployment: DeploymentRef) -> PeriodicBackupConfig | None:
        """The stored config, or None when off or unreadable (used only to label backups)."""
        try:
            return await self.platform.get_periodic_backup_config(deployment_number(deployment))
        except ConvexApiError:
            return None

    async def get(self, deployment: DeploymentRef) -> Schedule | None:
        config = await self.platform.get_periodic_backup_config(deployment_number(deployment))
        return schedule_of(config) if config is not None else None

    async def _require_entitlement(self, deployment: DeploymentRef) -> None:
        placement = await self.directory.placement(deployment)
        entitlements = await self.platform.entitlements(placement.team.id)
        if not entitlements.periodic_backups_enabled:
            raise NotEntitled(
                f"Periodic backups are a Convex Pro feature, and team {placement.team.slug}'s plan does not include "
                f"them: back {deployment.name} up by hand (`convex-backups backup`, e.g. from cron), or upgrade the "
                "team to Pro.",
                code="PeriodicBackupsNotEnabled",
            )

    async def set(self, deployment: DeploymentRef, schedule: Schedule) -> Schedule:
        await self._require_entitlement(deployment)
        retention = schedule.retention or (WEEKLY_RETENTION if schedule.weekday is not None else DAILY_RETENTION)
        try:
            config = await self.platform.configure_periodic_backup(
                deployment_number(deployment),
                schedule.cronspec,
                expiration_delta_secs=int(retention.total_seconds()),
                include_storage=schedule.include_storage,
            )
        except PlanLimit as exc:
            raise NotEntitled(exc.message, code=exc.code, status=exc.status) from None
        if config is None:
            config = await self.platform.get_periodic_backup_config(deployment_number(deployment))
        result = schedule_of(config) if config is not None else None
        return result or schedule

    async def disable(self, deployment: DeploymentRef) -> None:
        await self.platform.disable_periodic_backup(deployment_number(deployment))
