"""Back up now: the plan's limit is explained before anything is requested. At the limit the request is
not offered at all (the service would refuse it); otherwise `enter` starts it, with or without files."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.screens.dialogs.base import Dialog
from tui.services.protocol import DeploymentRef, PlanLimits
from tui.widgets.state_checkbox import StateCheckbox


def limit_text(deployment: DeploymentRef, limits: PlanLimits | None) -> str:
    if limits is None:
        return "The plan's limit could not be checked; the request may be refused."
    if limits.at_backup_limit:
        return (
            f"{deployment.name} already keeps {limits.backups_counted} of the {limits.max_backups} backups its "
            "plan allows, so a new backup would be refused. Delete an older backup first (d on the backups "
            "table), or move the team to a plan that keeps more."
        )
    if limits.max_backups is None:
        return f"{limits.explanation} No limit on the number of backups is known."
    left = limits.max_backups - limits.backups_counted
    return f"{limits.explanation} After this one, {left - 1} more can be kept."


class BackupNowDialog(Dialog):
    """Dismisses with `include_storage` (bool) to start, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog_cancel"),
        Binding("f", "toggle_files", "With files", id="backup_files"),
        Binding("enter", "start", "Start backup", id="backup_start"),
    ]

    def __init__(self, deployment: DeploymentRef, limits: PlanLimits | None) -> None:
        super().__init__()
        self.deployment = deployment
        self.limits = limits

    @property
    def blocked(self) -> bool:
        return self.limits is not None and self.limits.at_backup_limit

    def compose(self) -> ComposeResult:
        ref = self.deployment
        prod = "PRODUCTION deployment " if ref.is_prod else ""
        with Vertical(classes="dialog" + (" -blocked" if self.blocked else "")):
            yield Static(f"Back up {prod}{ref.name}", classes="dialog-title")
            yield Static(limit_text(ref, self.limits), id="limit", classes="dialog-body")
            if self.blocked:
                yield Static("LIMIT REACHED: nothing will be requested.", classes="dialog-warning")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Close (esc)", id="close")
            else:
                yield StateCheckbox("Include file storage (f)", value=False, id="files")
                yield Static(
                    "A backup copies every table (and, if chosen, every stored file) into a snapshot "
                    "Convex keeps for a limited time. The deployment keeps running meanwhile.",
                    classes="dialog-hint",
                )
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Start backup (enter)", id="start", variant="primary")
                    yield Button("Cancel (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#close" if self.blocked else "#start", Button).focus()

    def action_toggle_files(self) -> None:
        if not self.blocked:
            box = self.query_one("#files", StateCheckbox)
            box.value = not box.value

    def action_start(self) -> None:
        if self.blocked:
            self.dismiss(None)
            return
        self.dismiss(self.query_one("#files", StateCheckbox).value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            self.action_start()
        else:
            self.dismiss(None)
