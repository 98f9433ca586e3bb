"""The detail pane: the selected deployment (URL, plan) and backup (every field, exact times), and the
deployment's periodic schedule in local time and UTC with its next run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from tui.services import schedule_time
from tui.services.backup_stats import Trend
from tui.services.protocol import WEEKDAYS, BackupRecord, DeploymentRef, PlanLimits, Schedule
from tui.widgets import formatting as fmt


def schedule_lines(schedule: Schedule | None, limits: PlanLimits | None, now: datetime) -> list[str]:
    if limits is not None and not limits.periodic_backups:
        return ["Periodic backups: not on this plan (a Convex Pro feature)."]
    if schedule is None:
        return ["Periodic backups: off (p to set a schedule)."]
    day, hour, minute = schedule_time.utc_to_local(schedule.weekday, schedule.utc_hour, schedule.utc_minute)
    local = schedule_time.describe(day, hour, minute)
    utc = schedule_time.describe(schedule.weekday, schedule.utc_hour, schedule.utc_minute)
    lines = [f"Periodic backups: {local} local time", f"  = {utc} UTC, "
             + ("with file storage" if schedule.include_storage else "without file storage")]
    if schedule.next_run is not None:
        lines.append(f"  next run {fmt.exact(schedule.next_run)} ({fmt.ago(schedule.next_run, now)})")
    return lines


def count_lines(backup: BackupRecord, trend: Trend | None) -> list[str]:
    """The backup's documents per table, when known, and its DROP flag in words."""
    stats = next((p for p in trend.points if p.backup_id == backup.id), None) if trend else None
    if stats is None:
        return []
    tables = ", ".join(f"{name} {count:,}" for name, count in sorted(stats.tables.items()))
    lines = [f"  {stats.documents:,} documents in {len(stats.tables)} tables: {tables}"]
    flag = trend.flag(backup.id)
    if flag:
        lines.append(f"  {flag} since the backup before (r restores chosen tables)")
    return lines


def backup_lines(backup: BackupRecord, now: datetime) -> list[str]:
    lines = [
        f"Backup {backup.id}: {fmt.STATE_WORDS.get(backup.state, backup.state)}, {backup.kind}",
        f"  requested {fmt.exact(backup.requested)} ({fmt.ago(backup.requested, now)})",
    ]
    if backup.completed:
        lines.append(f"  completed {fmt.exact(backup.completed)} (took {fmt.duration(backup, now)})")
    if backup.expires:
        lines.append(f"  expires   {fmt.exact(backup.expires)} ({fmt.expires(backup, now).plain})")
    lines.append(f"  {'with' if backup.include_storage else 'without'} file storage, size {fmt.size(backup.size)}")
    if backup.source_deployment != backup.deployment:
        lines.append(f"  data from {backup.source_deployment}")
    if backup.env_snapshot:
        lines.append(f"  environment variables saved ({backup.env_snapshot})")
    lines.extend(f"  note: {note}" for note in backup.notes)
    return lines


class DetailPane(Static):
    def __init__(self, *, clock: Callable[[], datetime] = fmt.utc_now, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.clock = clock
        self.deployment: DeploymentRef | None = None
        self.backup: BackupRecord | None = None
        self.schedule: Schedule | None = None
        self.limits: PlanLimits | None = None
        self.facts_loaded = False
        self.trend: Trend | None = None  # the counts of the deployment's backups, when known

    def show_trend(self, trend: Trend | None) -> None:
        self.trend = trend
        self.redraw()

    def show(self, *, deployment: DeploymentRef | None = None, backup: BackupRecord | None | bool = False,
             schedule: Schedule | None | bool = False, limits: PlanLimits | None | bool = False) -> None:
        """Update some parts (False leaves a part as it was)."""
        if deployment is not None and deployment != self.deployment:
            self.deployment, self.facts_loaded = deployment, False
            self.schedule = self.limits = self.trend = None
        if backup is not False:
            self.backup = backup  # type: ignore[assignment]
        if schedule is not False:
            self.schedule, self.facts_loaded = schedule, True  # type: ignore[assignment]
        if limits is not False:
            self.limits = limits  # type: ignore[assignment]
        self.redraw()

    def redraw(self) -> None:
        now = self.clock()
        text = Text()
        ref = self.deployment
        if ref is None:
            self.update(Text("Choose a deployment on the left.", style="italic"))
            return
        text.append(f"{ref.name}", style="bold")
        text.append("  ")
        text.append('PRODUCTION' if ref.is_prod else fmt.deployment_words(ref),
                    style="bold reverse" if ref.is_prod else "")
        if ref.read_only:
            text.append("  READ-ONLY (config)", style="italic")
        text.append(f"\n{ref.team}/{ref.project}  {ref.region or ''}\n{ref.url or ''}\n")
        if self.limits is not None:
            text.append(f"{self.limits.explanation}\n", style="dim")
        if self.facts_loaded:
            text.append("\n".join(schedule_lines(self.schedule, self.limits, now)) + "\n")
        else:
            text.append("Periodic backups: loading…\n", style="dim")
        text.append("\n")
        if self.backup is None:
            text.append("No backup selected.", style="italic")
        else:
            text.append("\n".join(backup_lines(self.backup, now) + count_lines(self.backup, self.trend)))
        self.update(text)


def weekday_name(day: int | None) -> str:
    return "every day" if day is None else WEEKDAYS[day]
