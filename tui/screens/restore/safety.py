"""Step "Safety backup": before anything replaces the target's data, the operator chooses its safety copy
(tui/commands/README.md "Restoring"): a fresh backup taken now (the default, with file storage when the data needs it);
at the plan's backup limit a local safety snapshot that uses no slot, or the oldest backup downloaded and
deleted to free one; reusing a recent backup only on request, told its age and that later writes are not
in it; or skipping, with a typed reason. The step only draws and asks; the flow screen runs the service
calls and tells it what happened."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, ProgressBar, Static

from tui.services.protocol import BackupRecord, DeploymentRef, Progress
from tui.services.restore.safety import SafetyOptions, reuse_words
from tui.screens.restore.text import deployment_words
from tui.widgets.formatting import ago, progress_line, utc_now

MIN_REASON = 8  # characters: "testing" is not a reason, "prod is down, backup limit" is


def offer_keys(options: SafetyOptions) -> str:
    keys = []
    if options.at_limit:
        keys.append("l local safety snapshot (recommended)")
        if options.oldest is not None:
            keys.append("o download the oldest backup, delete it, back up now")
    else:
        keys += ["b back up now (recommended)", "l local safety snapshot"]
    if options.recent is not None:
        keys.append("u use the recent backup")
    return " · ".join([*keys, "s skip, saying why", "esc back out"])


def offer_text(options: SafetyOptions) -> str:
    deployment = options.deployment
    now = utc_now()
    files = (
        f" with file storage ({options.storage_reason})"
        if options.include_storage
        else " (it has no stored files, so without file storage)"
    )
    newest = (
        "It has no complete backup."
        if options.newest is None
        else f"Its newest complete backup is from {ago(options.newest.completed or options.newest.requested, now)}."
    )
    lines = [f"A restore replaces the data of {deployment_words(deployment)}. {newest}"]
    if options.at_limit:
        lines.append(f"{options.limit_words()}.")
        lines.append(
            f"l saves a local safety snapshot{files}: its own snapshot export (as `npx convex export` "
            "makes), downloaded and verified into this app's backup folder with its environment "
            "variables beside it. It uses no backup slot."
        )
        if options.oldest is not None:
            lines.append(
                f"o downloads backup {options.oldest.id} (the oldest) to that folder, verified, deletes "
                "it from Convex, then takes a fresh backup in the freed slot."
            )
    else:
        lines.append(f"b takes a fresh backup now{files}: your way back if this restore goes wrong.")
        lines.append(
            "l saves a local safety snapshot instead (a snapshot export into this app's backup "
            "folder; uses no backup slot)."
        )
    if options.recent is not None:
        lines.append(f"u uses {reuse_words(options.recent)}.")
    elif options.recent_without_files is not None:
        lines.append(
            f"Backup {options.recent_without_files.id} is recent but has no file storage, which this "
            "restore would replace: it does not count as the safety backup."
        )
    return "\n".join(lines)


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
        yield Static(
            f"Checking that {self.deployment.name} can be restored into, and its backups…",
            id="safety-text",
            markup=False,
        )
        yield ProgressBar(total=100, show_eta=False, id="safety-bar", classes="hidden")
        yield Static("", id="safety-progress", markup=False)
        yield Static("", id="safety-error", classes="error-box hidden", markup=False)
        yield Input(placeholder="why skip the safety backup? (then enter)", id="skip-reason", classes="hidden")
        yield Static("", id="safety-keys", classes="keys-hint", markup=False)

    # -- what the flow screen tells it -------------------------------------------------------------------
    def show_offer(self, options: SafetyOptions) -> None:
        self._text(offer_text(options), offer_keys(options))

    def ask_delete_oldest(self, oldest: BackupRecord, folder) -> None:
        self._text(
            f"o: backup {oldest.id} (the oldest) is downloaded into {folder}, every entry checked; only "
            "then is it DELETED from Convex, and a fresh backup is taken in the freed slot. The copy on "
            "disk is a ZIP that convex-backups import (or Import ZIP) restores.",
            "d download, then delete · esc back to the choices",
        )

    def show_refused(self, happened: str, todo: str) -> None:
        """Refused before anything happened: nothing to choose here."""
        self._text("Nothing was done: no safety backup was taken and nothing was restored.", "esc back out")
        box = self.query_one("#safety-error", Static)
        box.update(f"{happened}\nWhat to do: {todo}")
        box.remove_class("hidden")

    def show_reused(self, backup: BackupRecord) -> None:
        self._text(
            f"Safety backup: {reuse_words(backup)}. If this restore goes wrong, restore that backup to undo it.",
            "c continue · esc back out",
        )

    def show_progress(self, progress: Progress, what: str = "Backing up") -> None:
        bar = self.query_one("#safety-bar", ProgressBar)
        bar.remove_class("hidden")
        if progress.fraction is not None:
            bar.update(total=100, progress=progress.fraction * 100)
        self.query_one("#safety-progress", Static).update(f"{progress.message}\n{progress_line(progress)}")
        self._text(
            f"{what} {self.deployment.name} before anything is restored…",
            "it runs to its end · esc backs out (a cloud backup continues on the server)",
        )

    def show_done(self, backup: BackupRecord, *, local: bool = False) -> None:
        self.query_one("#safety-bar", ProgressBar).update(total=100, progress=100)
        files = "with file storage" if backup.include_storage else "without file storage"
        if local:
            where = backup.notes[0] if backup.notes else ""
            text = (
                f"Local safety snapshot {backup.id} of {self.deployment.name} is complete ({files}). {where} "
                "If this restore goes wrong, import its snapshot.zip to undo it."
            )
        else:
            text = (
                f"Safety backup {backup.id} of {self.deployment.name} is complete ({files}). "
                "If this restore goes wrong, restore that backup to undo it."
            )
        self._text(text, "c continue · esc back out")

    def show_note(self, text: str) -> None:
        """A line saying why a key did nothing."""
        box = self.query_one("#safety-error", Static)
        box.update(text)
        box.remove_class("hidden")

    def show_error(self, happened: str, todo: str, keys: str) -> None:
        box = self.query_one("#safety-error", Static)
        box.update(f"{happened}\nWhat to do: {todo}")
        box.remove_class("hidden")
        self.query_one("#safety-keys", Static).update(keys)

    def ask_reason(self) -> None:
        reason = self.query_one("#skip-reason", Input)
        reason.remove_class("hidden")
        reason.focus()
        self.query_one("#safety-keys", Static).update(
            f"Type why you skip it (at least {MIN_REASON} characters), then enter · esc back out"
        )

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
            self.show_error(
                f"A reason of {len(reason)} characters is too short to skip the safety backup.",
                f"Write at least {MIN_REASON} characters: it goes into the result and the incident log.",
                f"Type why you skip it (at least {MIN_REASON} characters), then enter · esc back out",
            )
            event.input.focus()
            return
        self.post_message(self.Skipped(reason))
