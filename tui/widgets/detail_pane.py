"""The detail pane: the selected deployment (URL, plan), any restore or import running or waiting on it
(whoever started it), the selected backup (every field, exact times), and the deployment's periodic
schedule in local time and UTC with its next run. Compact (80 columns, a few lines tall): the selected
backup comes first, so its whole id is in view; the deployment is named in the backups pane's title
anyway."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from rich.text import Text
from textual.visual import visualize
from textual.widgets import Static

from tui.services.schedules import times as schedule_time
from tui.services.snapshots.stats import Trend
from tui.services.protocol import BackupRecord, DeploymentRef, PlanLimits, Schedule
from tui.services.restore.staged_imports import ImportRecord
from tui.widgets import formatting as fmt


def schedule_lines(schedule: Schedule | None, limits: PlanLimits | None, now: datetime) -> list[str]:
    if limits is not None and not limits.periodic_backups:
        return ["Periodic backups: not on this plan (a Convex Pro feature)."]
    if schedule is None:
        return ["Periodic backups: off (p to set a schedule)."]
    day, hour, minute = schedule_time.utc_to_local(schedule.weekday, schedule.utc_hour, schedule.utc_minute)
    local = schedule_time.describe(day, hour, minute)
    utc = schedule_time.describe(schedule.weekday, schedule.utc_hour, schedule.utc_minute)
    lines = [
        f"Periodic backups: {local} local time",
        f"  = {utc} UTC, " + ("with file storage" if schedule.include_storage else "without file storage"),
    ]
    if schedule.next_run is not None:
        lines.append(f"  next run {fmt.exact(schedule.next_run)} ({fmt.ago(schedule.next_run, now)})")
    return lines


def count_lines(backup: BackupRecord, trend: Trend | None) -> list[str]:
    """The backup's documents per table, when known, and its DROP flag in words."""
    if trend is None:
        return []
    stats = next((p for p in trend.points if p.backup_id == backup.id), None)
    if stats is None:
        return []
    tables = ", ".join(f"{name} {count:,}" for name, count in sorted(stats.tables.items()))
    lines = [f"  {stats.documents:,} documents in {len(stats.tables)} tables: {tables}"]
    flag = trend.flag(backup.id)
    if flag:
        lines.append(f"  {flag} since the backup before (r restores chosen tables)")
    return lines


def restore_lines(imports: list[ImportRecord], now: datetime) -> list[str]:
    """The restores and imports not ended on the deployment, started here or elsewhere (the dashboard,
    another operator, `npx convex import`): while one runs, no other restore can start."""
    lines = []
    for record in (r for r in imports if r.unfinished):
        what = "RESTORE" if record.requestor == "cloudRestore" else "IMPORT"
        if record.state == "in_progress":
            lines.append(
                f"{what} RUNNING: {record.who}, started {fmt.ago(record.created, now)}; progress under "
                f"Running. Import {record.id}."
            )
        else:
            lines.append(
                f"{what} WAITING for confirmation: {record.who}, staged {fmt.ago(record.created, now)}. "
                f"Import {record.id}."
            )
            if record.requestor == "cloudRestore":
                lines.append("An open Convex dashboard Backups page confirms it by itself; I cancels it.")
    if lines:
        lines.append("No other restore or import can start here until it ends.")
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
        self.imports: list[ImportRecord] = []
        self.facts_loaded = False
        self.compact = False
        self.paused: bool | None = None  # as last read from the server; None: not known
        self.trend: Trend | None = None  # the counts of the deployment's backups, when known

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.redraw()

    def show_trend(self, trend: Trend | None) -> None:
        self.trend = trend
        self.redraw()

    def show(
        self,
        *,
        deployment: DeploymentRef | None = None,
        backup: BackupRecord | None | Literal[False] = False,
        schedule: Schedule | None | Literal[False] = False,
        limits: PlanLimits | None | Literal[False] = False,
        paused: bool | None = None,
        imports: list[ImportRecord] | None = None,
    ) -> None:
        """Update some parts (False leaves a part as it was; `paused` or `imports` None leaves it)."""
        if deployment is not None and deployment != self.deployment:
            if self.deployment is None or deployment.name != self.deployment.name:
                self.imports = []
            self.deployment, self.facts_loaded = deployment, False
            self.schedule = self.limits = self.paused = self.trend = None
        if paused is not None:
            self.paused = paused
        if imports is not None:
            self.imports = imports
        if backup is not False:
            self.backup = backup
        if schedule is not False:
            self.schedule, self.facts_loaded = schedule, True
        if limits is not False:
            self.limits = limits
        self.redraw()

    def redraw(self) -> None:
        now = self.clock()
        ref = self.deployment
        if ref is None:
            self._show(Text("Choose a deployment on the left.", style="italic"))
            return
        deployment = self._deployment_text(ref, now)
        if self.backup is None:
            backup = Text("No backup selected.", style="italic")
        else:
            backup = Text("\n".join(backup_lines(self.backup, now) + count_lines(self.backup, self.trend)))
        parts = (backup, deployment) if self.compact else (deployment, backup)
        self._show(Text("\n\n").join(parts))

    def _show(self, text: Text) -> None:
        """Update, laying the screen out again only when the text needs more room than the pane has: a
        layout repaints the whole screen, which costs more than the rest of a keypress in a table of 20,000
        backups (tests/benchmarks/test_tui_latency.py). A shorter text leaves blank lines at the bottom until
        the next layout, so the panes below do not jump either."""
        room = self.content_size
        fits = bool(room.width) and visualize(self, text).get_height(self.styles, room.width) <= room.height  # type: ignore[arg-type]  # as Widget does
        self.update(text, layout=not fits)

    def _deployment_text(self, ref: DeploymentRef, now: datetime) -> Text:
        text = Text()
        text.append(f"{ref.name}", style="bold")
        text.append("  ")
        text.append(
            "PRODUCTION" if ref.is_prod else fmt.deployment_words(ref), style="bold reverse" if ref.is_prod else ""
        )
        if ref.read_only:
            text.append("  READ-ONLY (config)", style="italic")
        if self.paused:
            text.append("  ")
            text.append("PAUSED", style="bold reverse")
            text.append(": users get errors")
        place = "  ".join(
            part for part in ("/".join(p for p in (ref.team, ref.project) if p), ref.region, ref.class_words) if part
        )
        if place:  # a self-hosted deployment has no team, project or region
            text.append(f"\n{place}")
        if ref.url:
            text.append(f"\n{ref.url}")
        text.append("\n")
        restores = restore_lines(self.imports, now)
        if restores:
            text.append("\n".join(restores) + "\n", style="bold")
        if self.limits is not None:
            text.append(f"{self.limits.explanation}\n", style="dim")
        if self.facts_loaded:
            text.append("\n".join(schedule_lines(self.schedule, self.limits, now)))
        else:
            text.append("Periodic backups: loading…", style="dim")
        return text
