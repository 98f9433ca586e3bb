"""Periodic backups of one deployment: on or off, daily or weekly, weekday, time of day typed in local
time and shown in UTC as well, file storage. Where the plan lacks the feature it is explained instead."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, Static

from tui.screens.dialogs.base import Dialog
from tui.services.schedules import times as schedule_time
from tui.services.protocol import WEEKDAYS, DeploymentRef, PlanLimits, Schedule
from tui.widgets.state_checkbox import StateCheckbox
from tui.services.schedules.change import changed_schedule

OFF = "off"


class PeriodicDialog(Dialog):
    """Dismisses with a `Schedule` to set, `OFF` to turn periodic backups off, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog_cancel"),
        Binding("ctrl+s", "save", "Save", id="periodic_save"),
    ]

    def __init__(self, deployment: DeploymentRef, schedule: Schedule | None, limits: PlanLimits | None) -> None:
        super().__init__()
        self.deployment = deployment
        self.schedule = schedule
        self.limits = limits

    @property
    def entitled(self) -> bool:
        return self.limits is None or self.limits.periodic_backups

    def compose(self) -> ComposeResult:
        ref = self.deployment
        with Vertical(classes="dialog"):
            yield Static(
                f"Periodic backups of {ref.name}" + (" (PRODUCTION)" if ref.is_prod else ""), classes="dialog-title"
            )
            if not self.entitled:
                yield Static(
                    "Periodic backups are a Convex Pro feature, and this team's plan does not include "
                    "them. Back up now (b) still works. To schedule backups, upgrade the team to Pro "
                    "in the Convex dashboard, then come back here.",
                    classes="dialog-body",
                    id="pro",
                )
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Close (esc)", id="close")
                return
            current = self.schedule
            day, hour, minute = (None, 3, 0)
            if current is not None:
                day, hour, minute = schedule_time.utc_to_local(current.weekday, current.utc_hour, current.utc_minute)
            yield StateCheckbox("Periodic backups", value=current is not None, id="on")
            with Horizontal(classes="form-row"):
                yield Static("Every", classes="form-label")
                yield Select(
                    [("day", "daily"), ("week", "weekly")],
                    value="weekly" if day is not None else "daily",
                    allow_blank=False,
                    id="frequency",
                )
                yield Select(
                    [(name, index) for index, name in enumerate(WEEKDAYS)],
                    value=day if day is not None else 1,
                    allow_blank=False,
                    id="weekday",
                )
            with Horizontal(classes="form-row"):
                yield Static("At (local)", classes="form-label")
                time_box = Input(f"{hour:02d}:{minute:02d}", id="time", max_length=5)
                time_box.cursor_blink = False
                yield time_box
            yield StateCheckbox("Include file storage", value=bool(current and current.include_storage), id="storage")
            yield Static("", id="utc", classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="close")

    def on_mount(self) -> None:
        if self.entitled:
            self.query_one("#on", StateCheckbox).focus()
            self._explain()
        else:
            self.query_one("#close", Button).focus()

    def _values(self) -> tuple[int | None, int, int]:
        hour, minute = schedule_time.parse_time(self.query_one("#time", Input).value)
        weekly = self.query_one("#frequency", Select).value == "weekly"
        day = self.query_one("#weekday", Select).value if weekly else None
        return day, hour, minute  # type: ignore[return-value]

    def _explain(self) -> None:
        weekly = self.query_one("#frequency", Select).value == "weekly"
        self.query_one("#weekday", Select).display = weekly
        note = self.query_one("#utc", Static)
        if not self.query_one("#on", StateCheckbox).value:
            note.update("Off: no backups are taken on a schedule. Saving turns them off.")
            return
        try:
            day, hour, minute = self._values()
        except ValueError as exc:
            note.update(str(exc))
            return
        utc = schedule_time.local_to_utc(day, hour, minute)
        note.update(
            f"Local {schedule_time.describe(day, hour, minute)} = "
            f"{schedule_time.describe(*utc)} UTC (Convex stores UTC)."
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self._explain()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._explain()

    def on_checkbox_changed(self, event: StateCheckbox.Changed) -> None:
        self._explain()

    def action_save(self) -> None:
        if not self.entitled:
            self.dismiss(None)
            return
        if not self.query_one("#on", StateCheckbox).value:
            self.dismiss(OFF)
            return
        try:
            day, hour, minute = self._values()
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        utc_day, utc_hour, utc_minute = schedule_time.local_to_utc(day, hour, minute)
        # The dialog has no retention field: the current schedule's retention is kept.
        self.dismiss(
            changed_schedule(
                self.schedule,
                weekday=utc_day,
                utc_hour=utc_hour,
                utc_minute=utc_minute,
                include_storage=self.query_one("#storage", StateCheckbox).value,
            )
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)
