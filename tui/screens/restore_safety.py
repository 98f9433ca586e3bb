"""Step "Safety backup": Convex's rule, made firm. Unless the target has a complete backup from the last
five minutes, the operator takes one now (followed to completion here) or skips it by typing why.
The step only draws and asks; the flow screen runs the service calls and tells it what happened."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, ProgressBar, Static

from tui.services.protocol import BackupRecord, DeploymentRef, Progress
from tui.screens.restore_text import deployment_words
from tui.widgets.formatting import ago, exact, progress_line, utc_now

MIN_REASON = 8  # characters: "testing" is not a reason, "prod is down, backup limit" is


class SafetyStep(Vertical):
    class Skipped(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, deployment: DeploymentRef, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="step")
        self.deployment = deployment

    def compose(self) -> ComposeResult:
        yield Static("Safety backup", classes="step-title")
        yield Static(f"Checking the backups of {self.deployment.name}…", id="safety-text", markup=False)
        yield ProgressBar(total=100, show_eta=False, id="safety-bar", classes="hidden")
        yield Static("", id="safety-progress", markup=False)
        yield Static("", id="safety-error", classes="error-box hidden", markup=False)
        yield Input(placeholder="why skip the safety backup? (then enter)", id="skip-reason", classes="hidden")
        yield Static("", id="safety-keys", classes="keys-hint", markup=False)

    # -- what the flow screen tells it -------------------------------------------------------------------
    def show_recent(self, backup: BackupRecord) -> None:
        when = backup.completed or backup.requested
        self._text(
            f"{self.deployment.name} has a complete backup from {ago(when, utc_now())} ({exact(when)}): "
            f"backup {backup.id}. If this restore goes wrong, restore that backup to undo it.",
            "c continue · esc back out",
        )

    def show_offer(self, newest: BackupRecord | None) -> None:
        last = "It has no complete backup at all." if newest is None else (
            f"Its newest complete backup is from {ago(newest.completed or newest.requested, utc_now())}.")
        self._text(
            f"{deployment_words(self.deployment)} has no complete backup from the last 5 minutes. {last}\n"
            "A restore replaces its data; a backup taken now is your only way back. "
            "Take one first (with file storage).",
            "b back up now (recommended) · s skip, saying why · esc back out",
        )

    def show_progress(self, progress: Progress) -> None:
        bar = self.query_one("#safety-bar", ProgressBar)
        bar.remove_class("hidden")
        if progress.fraction is not None:
            bar.update(total=100, progress=progress.fraction * 100)
        self.query_one("#safety-progress", Static).update(f"{progress.message}\n{progress_line(progress)}")
        self._text(f"Backing up {self.deployment.name} before anything is restored…",
                   "the backup runs on the server · esc backs out (the backup continues)")

    def show_done(self, backup: BackupRecord) -> None:
        self.query_one("#safety-bar", ProgressBar).update(total=100, progress=100)
        self._text(f"Safety backup {backup.id} of {self.deployment.name} is complete. "
                   "If this restore goes wrong, restore that backup to undo it.", "c continue · esc back out")

    def show_error(self, happened: str, todo: str) -> None:
        box = self.query_one("#safety-error", Static)
        box.update(f"{happened}\nWhat to do: {todo}")
        box.remove_class("hidden")
        self.query_one("#safety-keys", Static).update("b try again · s skip, saying why · esc back out")

    def ask_reason(self) -> None:
        reason = self.query_one("#skip-reason", Input)
        reason.remove_class("hidden")
        reason.focus()
        self.query_one("#safety-keys", Static).update(
            f"Type why you skip it (at least {MIN_REASON} characters), then enter · esc back out")

    # -- internals ----------------------------------------------------------------------------------------
    def _text(self, text: str, keys: str) -> None:
        self.query_one("#safety-text", Static).update(text)
        self.query_one("#safety-keys", Static).update(keys)
        self.query_one("#safety-error", Static).add_class("hidden")

    @on(Input.Submitted, "#skip-reason")
    def _reason(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if len(reason) < MIN_REASON:
            self.show_error(f"A reason of {len(reason)} characters is too short to skip the safety backup.",
                            f"Write at least {MIN_REASON} characters: it goes into the result and the incident log.")
            event.input.focus()
            return
        self.post_message(self.Skipped(reason))
