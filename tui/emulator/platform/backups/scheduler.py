"""Fires periodic backup schedules when they are due.

A fire is one platform transaction: the `periodic_fires` row for the scheduled time (unique per
deployment and time), the backup (exactly like a manual one, but `periodic`, with the schedule's
storage flag and expiration) and the schedule's next run, computed from *now*. So a restart never runs
the same scheduled time twice, and a schedule missed while the sandbox was down runs once on start,
not once per missed slot. A fire the backup rules refuse (one already running, the plan's limit) is
recorded with the reason and makes no backup.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from tui.emulator.errors import ConvexError
from tui.emulator.platform import directory, plans
from tui.emulator.platform.backups import cloud_backups
from tui.emulator.platform.backups.periodic import next_run_ms
from tui.emulator.platform.store import insert
from tui.emulator.platform.wake_loop import WakeLoop

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform

log = logging.getLogger(__name__)


class Scheduler(WakeLoop):
    name = "platform-scheduler"

    def __init__(self, platform: Platform):
        super().__init__(platform)
        self._run_lock = threading.Lock()

    def work(self) -> None:
        self.run_due()

    def next_due_ms(self) -> int | None:
        row = self.platform.store.one("SELECT MIN(next_run) FROM periodic_configs")
        return None if row is None else row[0]

    def run_due(self) -> list[dict[str, Any]]:
        """Fire every schedule whose next run has come; returns the fires recorded."""
        with self._run_lock:
            now = self.platform.clock.now_ms()
            due = self.platform.store.all(
                "SELECT deployment_id FROM periodic_configs WHERE next_run <= ? ORDER BY next_run", (now,)
            )
            fires = [fire for (deployment_id,) in due if (fire := self._fire(deployment_id, now))]
        for fire in fires:
            if fire["backup_id"] is not None:
                self.platform.tracker.poke(fire["deployment_name"])
        return fires

    def _fire(self, deployment_id: int, now: int) -> dict[str, Any] | None:
        platform = self.platform
        with platform.lock, platform.store.write() as conn:
            config = conn.execute("SELECT * FROM periodic_configs WHERE deployment_id = ?", (deployment_id,)).fetchone()
            if config is None or config["next_run"] > now:
                return None
            slot = config["next_run"]
            conn.execute(
                "UPDATE periodic_configs SET next_run = ? WHERE deployment_id = ?",
                (next_run_ms(config["cronspec"], now), deployment_id),
            )
            already = conn.execute(
                "SELECT 1 FROM periodic_fires WHERE deployment_id = ? AND slot_time = ?", (deployment_id, slot)
            ).fetchone()
            row = directory.deployment(conn, deployment_id)
            if already or row is None:
                return None
            backup_id, outcome = None, "started"
            team = directory.existing_team(conn, directory.team_id_of_deployment(conn, row))
            if not plans.plan_of(team["plan"]).periodic_backups_enabled:
                outcome = "skipped: the team's plan has no periodic backups"
            else:
                try:
                    backup = cloud_backups.create(
                        conn,
                        row,
                        kind="periodic",
                        include_storage=bool(config["include_storage"]),
                        now_ms=now,
                        expiration_ms=now + config["expiration_delta_secs"] * 1000,
                    )
                    backup_id = backup["id"]
                except ConvexError as exc:
                    outcome = f"skipped: {exc.code}: {exc.message}"
            fire = {
                "deployment_id": deployment_id,
                "cronspec": config["cronspec"],
                "slot_time": slot,
                "fired_time": now,
                "backup_id": backup_id,
                "outcome": outcome,
            }
            insert(conn, "periodic_fires", fire)
        if backup_id is None:
            log.warning("periodic backup of %s at %s %s", row["name"], slot, outcome)
        return {**fire, "deployment_name": row["name"]}
