"""The main screen: deployments (tree), backups (table), detail and live progress. Every service call runs
in a worker that ends in a message; the handlers here change state and tell the widgets to draw.

Refresh is adaptive: each running backup is followed live (`follow_backup`), and so is a restore running on
the selected deployment, whoever started it (`follow_restore`); while anything runs, the selected
deployment's backups and imports are also fetched again every `RUNNING_POLL` seconds (only while this screen
is the one on screen). While nothing runs nothing is polled (an idle dashboard sends nothing:
tui/screens/README.md "How often the app asks Convex"): the lists are fetched on navigation (choosing a
deployment, coming back to this screen after `STALE_AFTER` seconds) and on F5, and the backups pane's
subtitle says when they were fetched and that a backup or restore started elsewhere shows at the next
refresh."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Key
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input, Static
from textual.worker import Worker

from tui import bindings as keys
from tui.messages import (
    BackupsLoaded,
    DeploymentFacts,
    DeploymentsLoaded,
    ImportsLoaded,
    OperationEnded,
    OperationProgress,
    ServiceFailed,
    TrendLoaded,
)
from tui.screens.main.actions import MainActions
from tui.screens.main.after_crash import EmergencyFactsMixin
from tui.services.snapshots.stats import Trend
from tui.services.errors import RestoreRefused
from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, PlanLimits, RestorePlan, Schedule
from tui.services.restore.staged_imports import ImportRecord
from tui.widgets import formatting as fmt
from tui.widgets.backup_table import BackupTable
from tui.widgets.deployment_tree import DeploymentTree
from tui.widgets.detail_pane import DetailPane
from tui.widgets.key_bar import KeyBar
from tui.widgets.progress_panel import ProgressPanel
from tui.widgets.trend_panel import TrendPanel

NARROW_BELOW, WIDE_FROM = 110, 170  # columns: the screen's "-narrow" (80x24 terminals) and "-wide" classes
# What the footer shows below WIDE_FROM columns (help first): what fits in 80 and in 120 columns. The others
# would be cut off; every key still works and is listed by help (?) and the command palette.
FOOTER_KEYS = {
    "narrow": ("help", "backup_now", "restore_backup", "emergency", "quit"),
    "normal": (
        "help",
        "backup_now",
        "download_backup",
        "inspect_backup",
        "restore_backup",
        "periodic",
        "emergency",
        "quit",
    ),
}
BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-normal"), (WIDE_FROM, "-wide")]


def breakpoint_class(width: int) -> str:
    """The class `BREAKPOINTS` give the screen at this width (as Textual's resize handler chooses it)."""
    return next(name for edge, name in sorted(BREAKPOINTS, reverse=True) if width >= edge)


RUNNING_POLL = 30.0  # seconds between refreshes of the visible deployment while something runs
STALE_AFTER = 30.0  # seconds after which coming back to this screen fetches the visible deployment again
SETTLE = 0.25  # seconds the cursor must rest on a deployment before its backups are fetched


class MainScreen(EmergencyFactsMixin, MainActions, Screen):
    BINDINGS = keys.bindings(keys.MAIN_KEYS)
    HORIZONTAL_BREAKPOINTS = BREAKPOINTS
    HELP = (
        "Deployments on the left (PROD marks production), their backups on the right, the selected "
        "backup's details and every running operation below. Actions marked * change a deployment."
    )

    def __init__(self, clock: Callable[[], datetime] = fmt.utc_now, width: int | None = None) -> None:
        """`width`: the terminal's, when known: the screen then starts with its breakpoint class, so the first
        resize does not restyle every widget once more (a few ms of the first frame at start-up)."""
        super().__init__(classes=None if width is None else breakpoint_class(width))
        self.clock = clock
        self.current: DeploymentRef | None = None
        self.deployments: list[DeploymentRef] = []
        self.backups: list[BackupRecord] = []
        self.following: dict[str, str] = {}  # backup id -> deployment name
        self.imports: list[ImportRecord] = []  # the current deployment's, newest first
        self.following_imports: set[str] = set()  # ids of restores followed in the Running pane
        self._settle: Timer | None = None
        self._poll: Timer | None = None
        self.as_of: datetime | None = None  # when the shown backups were fetched
        self.last_error: str | None = None
        self._layout: tuple[bool, bool] | None = None  # (narrow, wide) as last laid out
        self._trend_worker: Worker[None] | None = None
        self._trend_of: str | None = None  # the deployment whose trend that worker counts
        # At start-up the first deployment's backups are fetched alone and the rest once they are shown: the
        # other requests and their repaints would otherwise compete with the list for this process's CPU (and,
        # on the local sandbox, the server's): issue 16's first complete screen.
        self._details_after_backups: str | None = None
        self.init_emergency_facts()

    @property
    def narrow(self) -> bool:
        return self.size.width < NARROW_BELOW

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """What the footer shows: below `WIDE_FROM` columns only `FOOTER_KEYS`, help first."""
        active = super().active_bindings
        if self.size.width >= WIDE_FROM:
            return active
        shown = FOOTER_KEYS["narrow" if self.narrow else "normal"]
        ordered = sorted(active.items(), key=lambda item: item[1].binding.id != "help")
        return {
            key: item if item.binding.id in shown else item._replace(binding=replace(item.binding, show=False))
            for key, item in ordered
        }

    def on_resize(self) -> None:
        layout = (self.narrow, self.size.width >= WIDE_FROM)
        if layout != self._layout:
            self._layout = layout
            self.query_one(DeploymentTree).set_regions(not self.narrow)
            self.query_one(DetailPane).set_compact(self.narrow)
            self.query_one(ProgressPanel).set_compact(self.narrow)
            self.show_freshness()
            self.refresh_bindings()

    @property
    def target(self) -> BackupTarget | None:
        return self.app.target

    @property
    def connected_target(self) -> BackupTarget:
        """The open target, for work that starts only once the app is connected (`target_ready`)."""
        target = self.target
        if target is None:
            raise RuntimeError("no target is open yet")
        return target

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="notice")
        yield Static("", id="emergency-line", markup=False)  # after a crash: PAUSED, an unfinished checklist
        with Horizontal(id="panes"):
            with Vertical(id="deployments-pane", classes="pane"):
                yield DeploymentTree(id="deployments")
            with Vertical(id="right"):
                with Vertical(id="backups-pane", classes="pane"):
                    box = Input(placeholder="filter: words such as failed, manual, files, an id…", id="filter")
                    box.cursor_blink = False
                    yield box
                    # Empty until a deployment's backups arrive, and said so from the first frame: the note's
                    # line is laid out once, not added and removed while the screen loads.
                    yield BackupTable(id="backups", clock=self.clock, classes="-empty")
                    yield Static("Connecting…", id="backups-note")
                with Horizontal(id="lower"):
                    with VerticalScroll(id="detail-pane", classes="pane"):
                        yield TrendPanel(id="trend")
                        yield DetailPane(id="detail", clock=self.clock)
                    with VerticalScroll(id="progress-pane", classes="pane"):
                        yield ProgressPanel(id="progress")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#deployments-pane").border_title = "Deployments"
        self.query_one("#backups-pane").border_title = "Backups"
        self.query_one("#detail-pane").border_title = "Details"
        self.query_one("#progress-pane").border_title = "Running"
        self.query_one("#filter", Input).display = False
        self.query_one("#emergency-line").display = False
        self.query_one(DeploymentTree).set_loading_text("Connecting…")
        self.query_one(DeploymentTree).focus()
        self._poll = self.set_interval(RUNNING_POLL, self.poll, pause=False)
        self.call_after_refresh(self.app.open_target)  # after this screen is first painted

    # -- loading ------------------------------------------------------------------------------------------
    def target_ready(self) -> None:
        """The app opened its target: fetch the deployments."""
        self.load_deployments()

    def show_notice(self, text: str | Text) -> None:
        notice = self.query_one("#notice", Static)
        notice.update(text)
        notice.display = bool(text)

    @work(exclusive=True, group="deployments", exit_on_error=False)
    async def load_deployments(self) -> None:
        try:
            deployments = await self.connected_target.list_deployments()
        except Exception as exc:  # noqa: BLE001 - becomes a message
            self.post_message(ServiceFailed("list the deployments", exc))
            return
        self.post_message(DeploymentsLoaded(deployments, self.connected_target.listing_notes()))

    @work(exclusive=True, group="backups", exit_on_error=False)
    async def load_backups(self, deployment: DeploymentRef) -> None:
        try:
            backups = await self.connected_target.list_backups(deployment)
        except Exception as exc:  # noqa: BLE001
            self.post_message(ServiceFailed(f"list the backups of {deployment.name}", exc))
            self.post_message(BackupsLoaded(deployment, [], error=fmt.error_text(exc)))
            return
        self.post_message(BackupsLoaded(deployment, backups))

    def _start_trend(self, deployment: DeploymentRef, backups: list[BackupRecord]) -> None:
        """Not restarted by every refresh while it downloads a backup to count it (that could never end)."""
        worker = self._trend_worker
        if worker is not None and worker.is_running and self._trend_of == deployment.name:
            return
        self._trend_of = deployment.name
        self._trend_worker = self.load_trend(deployment, backups)

    @work(exclusive=True, group="trend", exit_on_error=False)
    async def load_trend(self, deployment: DeploymentRef, backups: list[BackupRecord]) -> None:
        """Counts of the backups (learned once, then kept: tui/services/snapshots/stats.py) and the drops."""
        from tui.services.snapshots import stats as backup_stats
        from tui.services.config.settings import trend_settings

        cache = backup_stats.StatsCache.for_homes_or_target(
            self.app.session.homes if self.app.session else None, self.connected_target
        )
        if cache is None:
            return
        try:
            settings = trend_settings(self.app.config)
        except Exception as exc:  # noqa: BLE001 - a bad [trend] table: said once, defaults used
            self.post_message(ServiceFailed("read [trend] in config.toml", exc))
            settings = trend_settings(None)
        known = cache.load(deployment)
        missing = sum(1 for b in backups if b.state == "complete" and b.id not in known)
        if missing:  # draw what is known at once, and say that the rest is being counted
            self.post_message(
                TrendLoaded(
                    deployment,
                    backup_stats.trend(backups, known, settings.drop_share),
                    settings.drop_percent,
                    counting=missing,
                )
            )
            known = await backup_stats.learn_missing(
                self.connected_target, deployment, backups, cache, limit_bytes=settings.count_download_bytes
            )
        self.post_message(
            TrendLoaded(deployment, backup_stats.trend(backups, known, settings.drop_share), settings.drop_percent)
        )

    @work(exclusive=True, group="facts", exit_on_error=False)
    async def load_facts(self, deployment: DeploymentRef) -> None:
        # Side by side (the schedule is read even where the plan lacks periodic backups, then dropped): one
        # round trip instead of two before the detail pane is complete.
        target = self.connected_target
        limits, schedule = await asyncio.gather(
            target.plan_limits(deployment), target.get_schedule(deployment), return_exceptions=True
        )
        error: BaseException | None = None
        plan: PlanLimits | None = None
        shown: Schedule | None = None  # only where the plan has periodic backups
        if isinstance(limits, BaseException):
            error = limits
        else:
            plan = limits
            if limits.periodic_backups:
                if isinstance(schedule, BaseException):
                    error = schedule
                else:
                    shown = schedule
        if error is not None:
            self.post_message(ServiceFailed(f"read the plan and schedule of {deployment.name}", error))
        self.post_message(DeploymentFacts(deployment, shown, plan))

    @work(exclusive=True, group="imports", exit_on_error=False)
    async def load_imports(self, deployment: DeploymentRef) -> None:
        """Restores and imports on the deployment, to show one started elsewhere (the dashboard, another
        operator) before the operator starts another."""
        try:
            imports = await self.connected_target.list_imports(deployment)
        except Exception as exc:  # noqa: BLE001 - no pop-up at every poll: the wizard's own check still runs
            self.post_message(ImportsLoaded(deployment, None, exc))
            return
        self.post_message(ImportsLoaded(deployment, imports))

    def poll(self) -> None:
        """The slow refresh while something runs: only the visible deployment, only while this screen is
        shown. Nothing while nothing runs (the subtitle says so, and F5 refreshes)."""
        if self.is_current and self.current is not None and self.target is not None and self.busy:
            self.load_backups(self.current)
            self.load_imports(self.current)

    def refresh_current(self) -> None:
        if self.current is not None:
            self._details_after_backups = None  # asked for here already
            self.load_backups(self.current)
            self.load_details(self.current)

    def load_details(self, deployment: DeploymentRef) -> None:
        """What the detail pane and the emergency line show besides the backups."""
        self.load_facts(deployment)
        self.load_emergency_facts(deployment)
        self.load_imports(deployment)

    def on_screen_resume(self) -> None:
        """Back from another screen (the checklist may have paused, unpaused or closed): ask again."""
        if self.deployments and self.target is not None:
            self.load_emergency_facts(self.current)
            if (
                self.current is not None
                and self.as_of is not None
                and (self.clock() - self.as_of).total_seconds() >= STALE_AFTER
            ):
                self.load_backups(self.current)
                self.load_imports(self.current)

    # -- handlers -----------------------------------------------------------------------------------------
    def on_deployments_loaded(self, message: DeploymentsLoaded) -> None:
        self.deployments = message.deployments
        # A team that could not be listed: its node says so, and the full reason is read here (the tree is narrow).
        self.show_notice(Text("  ".join(f"Team {n.team} {n.message.rstrip('.')}." for n in message.notes if n.error)))
        keep = self.current.name if self.current else self.app.start_deployment
        self.query_one(DeploymentTree).show_deployments(message.deployments, keep=keep, notes=message.notes)
        if not message.deployments:
            self.query_one(BackupTable).show_backups([])

    @on(DeploymentTree.DeploymentChosen)
    def deployment_chosen(self, message: DeploymentTree.DeploymentChosen) -> None:
        ref = message.deployment
        if self.current is not None and ref.name == self.current.name:
            return
        first = self.current is None  # the selection at start-up: no cursor to wait for, fetch at once
        self.current = ref
        self.backups = []
        self.imports = []
        self.as_of = None
        self.show_freshness()
        table = self.query_one(BackupTable)
        table.mark_restoring(frozenset())
        table.empty_text = "Loading backups…"
        table.flags = {}
        table.show_backups([])
        self.query_one(TrendPanel).show_trend(ref.name, Trend(), 20.0)
        self.query_one(DetailPane).show(deployment=ref, backup=None)
        self.query_one("#backups-pane").border_title = f"Backups of {ref.name}" + (" (PROD)" if ref.is_prod else "")
        if self._settle is not None:
            self._settle.stop()
        self._settle = None if first else self.set_timer(SETTLE, self.refresh_current)
        # At start-up the backups first: the rest is asked for once they are painted (`on_backups_loaded`).
        self._details_after_backups = ref.name if first else None
        if first:
            self.load_backups(ref)

    def on_backups_loaded(self, message: BackupsLoaded) -> None:
        for backup in message.backups:  # follow every running backup, wherever it is
            if backup.is_running and backup.id not in self.following:
                self.follow(message.deployment, backup.id)
        if self.current is None or message.deployment.name != self.current.name:
            return
        if self._details_after_backups == message.deployment.name:
            self._details_after_backups = None
            self.call_after_refresh(self.load_details, message.deployment)
        if message.error and self.backups:
            return  # a refresh that failed keeps the rows it had (the notification says why)
        self.backups = message.backups
        if not message.error:
            self.as_of = self.clock()
        self.show_freshness()
        table = self.query_one(BackupTable)
        table.empty_text = (
            f"The backups could not be listed: {message.error}" if message.error else "No backups yet: b backs up now."
        )
        table.show_backups(message.backups)
        # Once the rows are painted: counting starts with a repaint of its own, and at start-up maybe a download.
        self.call_after_refresh(self._start_trend, message.deployment, message.backups)

    def on_imports_loaded(self, message: ImportsLoaded) -> None:
        if self.current is None or message.deployment.name != self.current.name:
            return
        if message.imports is None:  # what was shown stays; the next refresh tries again, and a restore
            return  # started then is still refused by the wizard's own check (BackupTarget.check_restore)
        self.imports = message.imports
        unfinished = [r for r in message.imports if r.unfinished]
        self.query_one(DetailPane).show(imports=unfinished)
        self.query_one(BackupTable).mark_restoring(
            frozenset(
                str(r.source_cloud_backup_id)
                for r in unfinished
                if r.requestor == "cloudRestore" and r.source_cloud_backup_id is not None
            )
        )
        for record in unfinished:
            if record.state == "in_progress" and record.id not in self.following_imports:
                self.follow_import(message.deployment, record)
        self.show_freshness()

    def restore_refusal(self, *, cloud_restore: bool) -> RestoreRefused | None:
        """Why a restore (or import) into the current deployment cannot start now, from what is on screen:
        Convex's own rule, the newest cloud restore not ended, or an import writing into it
        (tui/services/restore/checks.py). None when nothing known stands in the way."""
        from tui.services.restore.checks import running_import_refusal

        if self.current is None:
            return None
        return running_import_refusal(self.current, self.imports, cloud_restore=cloud_restore)

    def on_trend_loaded(self, message: TrendLoaded) -> None:
        if self.current is None or message.deployment.name != self.current.name:
            return
        trend = message.trend
        self.query_one(BackupTable).show_flags({b: trend.flag(b) for b in trend.drops})
        self.query_one(DetailPane).show_trend(trend)
        self.query_one(TrendPanel).show_trend(
            message.deployment.name, trend, message.drop_percent, counting=message.counting
        )

    def on_deployment_facts(self, message: DeploymentFacts) -> None:
        if self.current is not None and message.deployment.name == self.current.name:
            self.query_one(DetailPane).show(schedule=message.schedule, limits=message.limits)

    @on(BackupTable.Emptiness)
    def backups_note(self, message: BackupTable.Emptiness) -> None:
        note = self.query_one("#backups-note", Static)
        note.update(message.note)
        note.display = bool(message.note)
        self.query_one(BackupTable).set_class(bool(message.note), "-empty")

    @on(BackupTable.BackupChosen)
    def backup_chosen(self, message: BackupTable.BackupChosen) -> None:
        self.query_one(DetailPane).show(backup=message.backup)
        self.refresh_bindings()

    def on_operation_progress(self, message: OperationProgress) -> None:
        self.query_one(ProgressPanel).update_operation(message.key, message.title, message.progress)
        self.show_freshness()

    def on_operation_ended(self, message: OperationEnded) -> None:
        panel = self.query_one(ProgressPanel)
        self.set_timer(8, lambda: panel.remove_operation(message.key))
        self.show_freshness()
        self.notify(
            message.text,
            title="Done" if message.ok else "Did not finish",
            severity="information" if message.ok else "error",
        )
        if self.current is not None and message.deployment in (None, self.current.name):
            self.refresh_current()

    def on_service_failed(self, message: ServiceFailed) -> None:
        text = fmt.error_text(message.error)
        self.last_error = text
        self.notify(text, title=f"Could not {message.what}", severity="error", timeout=12)
        if not self.deployments:
            self.query_one(DeploymentTree).set_loading_text("Not connected. F5 tries again.")
            self.query_one("#backups-note", Static).update("Not connected.")
            self.show_notice(f"Could not {message.what}: {text}")

    # -- following running backups ------------------------------------------------------------------------
    def follow(self, deployment: DeploymentRef, backup_id: str) -> None:
        self.following[backup_id] = deployment.name
        self.run_worker(
            self._follow(deployment, backup_id), group=f"follow-{backup_id}", exclusive=True, exit_on_error=False
        )

    async def _follow(self, deployment: DeploymentRef, backup_id: str) -> None:
        key, title = f"backup {backup_id}", f"Backup {backup_id} of {deployment.name}"
        last = None
        try:
            async for progress in self.connected_target.follow_backup(deployment, backup_id):
                last = progress
                self.post_message(OperationProgress(key, title, progress))
        except Exception as exc:  # noqa: BLE001
            self.post_message(
                OperationEnded(key, False, f"Lost track of {title.lower()}: {fmt.error_text(exc)}", deployment.name)
            )
            return
        finally:
            self.following.pop(backup_id, None)
        state = last.state if last else "complete"
        ok = state in ("complete", "")
        self.post_message(
            OperationEnded(key, ok, f"{title} ended: {fmt.STATE_WORDS.get(state, state)}.", deployment.name)
        )

    # -- following a restore running on the deployment, whoever started it ---------------------------------
    def follow_import(self, deployment: DeploymentRef, record: ImportRecord) -> None:
        self.following_imports.add(record.id)
        self.run_worker(
            self._follow_import(deployment, record),
            group=f"follow-import-{record.id}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _follow_import(self, deployment: DeploymentRef, record: ImportRecord) -> None:
        key, title = f"restore {record.id}", f"Restore into {deployment.name} ({record.who})"
        plan = RestorePlan(
            source=record.who,
            target=deployment,
            changes=(),
            message_to_confirm=None,
            require_manual_confirmation=False,
            import_id=record.id,
            backup_id=str(record.source_cloud_backup_id) if record.source_cloud_backup_id else None,
        )
        last = None
        try:
            async for progress in self.connected_target.follow_restore(plan):
                last = progress
                self.post_message(OperationProgress(key, title, progress))
        except Exception as exc:  # noqa: BLE001
            self.post_message(
                OperationEnded(
                    key,
                    False,
                    f"Lost track of the restore into {deployment.name}: {fmt.error_text(exc)}",
                    deployment.name,
                )
            )
            return
        finally:
            self.following_imports.discard(record.id)
        state = last.state if last else "completed"
        self.post_message(
            OperationEnded(
                key, state == "completed", f"The restore into {deployment.name} ended: {state}.", deployment.name
            )
        )

    @property
    def busy(self) -> bool:
        """Something runs: a backup or restore followed (whoever started it) or an operation of this app."""
        return bool(self.following) or bool(self.following_imports) or bool(self.query_one(ProgressPanel).running)

    def show_freshness(self) -> None:
        """The backups pane's subtitle: when its rows (and the restores in the detail pane) were fetched,
        and whether they refresh by themselves (only while something runs)."""
        text = ""
        if self.as_of is not None:
            text = f"as of {self.as_of.astimezone(timezone.utc):%H:%M} UTC"
            if self.busy:
                text += (
                    " · updates while running"
                    if self.narrow
                    else f", refreshed every {RUNNING_POLL:g} s while something runs"
                )
            elif self.narrow:
                text += " · F5 refreshes"
            else:
                text += " · not live: what starts elsewhere shows on F5"
        pane = self.query_one("#backups-pane")
        if pane.border_subtitle != text:
            pane.border_subtitle = text

    # -- emergency checklist ------------------------------------------------------------------------------
    def action_emergency(self) -> None:
        """The emergency-restore checklist (tui/screens/emergency/screen.py), for the selected deployment."""
        if self.target is None:
            self.notify("Not connected yet.", severity="warning")
            return
        from tui.screens.emergency.open import open_emergency

        open_emergency(self.app, self.target, self.current.name if self.current else None)

    # -- filter and back ----------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.query_one(BackupTable).set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def filter_done(self, event: Input.Submitted) -> None:
        self.query_one(BackupTable).focus()

    def action_back(self) -> None:
        """esc: leave the filter, else go back to the deployments pane. Never quits."""
        box = self.query_one("#filter", Input)
        if box.display and (box.has_focus or box.value):
            box.value = ""
            box.display = False
            self.query_one(BackupTable).focus()
            return
        self.query_one(DeploymentTree).focus()

    def on_key(self, event: Key) -> None:
        """A key whose action `check_action` holds back (a mutating key on a read-only deployment, a backup
        key with no backup chosen) would otherwise do nothing at all: say why here, and what would help."""
        if isinstance(self.focused, Input):
            return
        keymap = self.app.keymap
        for spec in keys.MAIN_KEYS:
            if event.key not in keymap.get(spec.id, spec.key).split(","):
                continue
            allowed = self.check_action(spec.action, ())
            if allowed is True:
                return
            event.stop()
            if allowed is False and self.current is not None and self.current.read_only:
                self.refuse_read_only(spec.name)
            else:
                self.notify(
                    self.why_not(spec.action, spec.name), title=f"{spec.name}: not now", severity="warning", timeout=8
                )
            return
