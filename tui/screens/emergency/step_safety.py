"""Step 1 of the checklist (the safety copy): the restore wizard's choices (README
"Restoring"), always with file storage, so that the recommended one never fails. Below the plan's backup
limit g takes a fresh backup (l a local safety snapshot instead); at the limit g saves the local safety
snapshot, which uses no backup slot, and o then d downloads the oldest backup, deletes it and backs up in
the freed slot; u reuses a backup from the last five minutes; s skips with a reason. The copy is followed
to its end and offered for download (w)."""

from __future__ import annotations

from textual import work
from textual.reactive import reactive

from tui.screens.emergency.panel import StepPanel
from tui.services.checklist import operations as ops
from tui.services.downloads.values import DownloadProgress
from tui.services.protocol import Progress
from tui.services.restore.safety import SafetyOptions, reuse_words
from tui.widgets import formatting as fmt

# step 1's own keys (the footer shows those that can run; a hidden twin of b says why it cannot)
SAFETY_ACTIONS = {"safety_fresh", "safety_why", "safety_local", "safety_oldest", "safety_oldest_go", "safety_recent"}


def choice_text(options: SafetyOptions) -> str:
    """What each key does on this deployment now, the recommended one first (as g)."""
    name = options.deployment.name
    local = (
        "saves a local safety snapshot with file storage: its own snapshot export (as `npx convex export` "
        "makes), downloaded and verified into this app's backup folder with its environment variables "
        "beside it. It uses no backup slot."
    )
    if options.at_limit:
        lines = [f"{options.limit_words()}.", f"g or l (recommended) {local}"]
        if options.oldest is not None:
            lines.append(
                f"o then d downloads backup {options.oldest.id} (the oldest) to that folder, verified, "
                "deletes it from Convex, then backs up in the freed slot."
            )
    else:
        lines = [
            f"g (recommended) takes a fresh backup of {name} now, with file storage, and saves its "
            "environment variables beside it.",
            f"l instead {local}",
        ]
    if options.recent is not None:
        lines.append(f"u reuses {reuse_words(options.recent)}.")
    lines.append("s skips it (you must say why).")
    return "\n".join(lines)


class SafetyStep(StepPanel):
    NUMBER = 1
    ACTIONS = frozenset({"run_step", "skip_step", "redo_step", "download", *SAFETY_ACTIONS})

    # read when step 1 is shown, again after it changes
    safety_choices: reactive[SafetyOptions | None] = reactive(None, bindings=True, init=False)
    # o pressed: d confirms deleting the oldest backup
    safety_asking_oldest: reactive[bool] = reactive(False, bindings=True, init=False)

    # -- the panel ----------------------------------------------------------------------------------------
    def draw(self, head: str) -> None:
        state = self.checklist.steps[1]
        text = head + (
            "Save a copy of the deployment as it is now, with file storage, and its environment "
            "variables beside it. Restores are destructive: this is the way back.\n"
        )
        if state.status == "done" and self.checklist.safety_backup_id:
            text += self._done_text(state.data)
        elif state.status == "running":
            text += (
                "\nRunning… (followed live)"
                if "safety" in self.context.busy
                else "\nThe app stopped while this copy was being made; x starts step 1 again."
            )
        elif self.safety_asking_oldest and self.safety_choices and self.safety_choices.oldest:
            oldest = self.safety_choices.oldest
            text += (
                f"\no: backup {oldest.id} (the oldest) is downloaded into "
                f"{self.target.local_backup_folder(self.ref)}, every entry checked; only then is it DELETED "
                "from Convex, and a fresh backup is taken in the freed slot.\n"
                "d download, then delete · esc back to the choices"
            )
        elif self.safety_choices is None or self.safety_choices.deployment.name != self.ref.name:
            text += f"\nReading the backups and plan limit of {self.ref.name}…"
            self.read_safety_choices()
        else:
            text += "\n" + choice_text(self.safety_choices)
        self.say(text)

    def _done_text(self, data: dict) -> str:
        if data.get("local"):
            return (
                f"\nLocal safety snapshot: {self.checklist.safety_backup_id}. {data.get('where', '')}\n"
                "To undo a restore, import its snapshot.zip (m on the main screen, or convex-backups import)."
            )
        text = (
            f"\nSafety backup: {self.checklist.safety_backup_id}; env vars saved as "
            f"{data.get('env_snapshot') or 'NOT SAVED'}.\n"
        )
        if data.get("downloaded"):
            return text + f"Downloaded to {data['downloaded']} (sha256 {data.get('sha256', '')[:12]}…)."
        return text + (
            "w downloads it (verified) to your Downloads folder, or from a shell:\n  "
            + ops.download_command(self.ref, self.checklist.safety_backup_id or "")
        )

    @work(exclusive=True, group="em-safety-choices", exit_on_error=False)
    async def read_safety_choices(self) -> None:
        ref = self.ref
        try:
            choices = await ops.safety_choices(self.target, ref)
        except Exception as exc:  # noqa: BLE001 - g still tries a fresh backup, which says why it fails
            self.say(
                f"Could not read the backups of {ref.name}: {fmt.error_text(exc)}\n"
                "g tries a fresh backup · s skips it (you must say why)"
            )
            return
        if self.context.ref is ref:
            self.safety_choices = choices
            if self.is_current:
                self.changed()

    # -- which keys run ------------------------------------------------------------------------------------
    def allows(self, action: str, parameters: tuple[object, ...]) -> bool:
        if action not in SAFETY_ACTIONS:
            return not self.safety_asking_oldest  # while d is asked, only d and esc
        if self.safety_asking_oldest:
            return action == "safety_oldest_go"
        if self.checklist.steps[1].status in ("running", "done") or "safety" in self.context.busy:
            return False
        options = self.safety_choices
        if options is None or action == "safety_oldest_go":
            return False
        if action == "safety_local":
            return True  # as g at the limit, said as "l" in the wizard's words
        if action == "safety_fresh":
            return not options.at_limit
        if action == "safety_why":
            return options.at_limit
        if action == "safety_oldest":
            return options.at_limit and options.oldest is not None
        return options.recent is not None  # safety_recent

    # -- the actions --------------------------------------------------------------------------------------
    def run(self) -> None:
        if "safety" in self.context.busy:
            return
        options = self.safety_choices
        self.safety_backup_worker("local" if options is not None and options.at_limit else "fresh")

    def action_safety_fresh(self) -> None:
        self.safety_backup_worker("fresh")

    def action_safety_local(self) -> None:
        self.safety_backup_worker("local")

    def action_safety_recent(self) -> None:
        self.safety_backup_worker("recent")

    def action_safety_oldest(self) -> None:
        """Deleting a backup is asked again with another key, though it is kept on disk first."""
        self.safety_asking_oldest = True
        self.changed()

    def action_safety_oldest_go(self) -> None:
        self.safety_asking_oldest = False
        self.safety_backup_worker("oldest")

    def action_safety_why(self, key: str) -> None:
        options = self.safety_choices
        if options is not None and options.at_limit:
            self.notify(
                f"{key} does nothing here: {options.limit_words()}. g saves a local safety snapshot "
                "(no backup slot)"
                + (", or o downloads and deletes the oldest backup first." if options.oldest else "."),
                severity="warning",
                timeout=12,
            )

    def back(self) -> bool:
        """esc while d is asked: back to the choices, not out of the checklist."""
        if self.safety_asking_oldest:
            self.safety_asking_oldest = False
            self.changed()
            return True
        return False

    @work(exclusive=True, group="em-safety", exit_on_error=False)
    async def safety_backup_worker(self, how: ops.SafetyHow = "fresh") -> None:
        busy = self.context.busy
        busy.add("safety")
        self.changed(redraw_panel=False)  # the step list says running; its keys go
        try:
            record = await ops.safety_backup(
                self.checklist, self.target, self.ref, self._progress, how=how, options=self.safety_choices
            )
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Safety backup failed", severity="error", timeout=12)
        else:
            what = "Local safety snapshot" if how == "local" else "Backup"
            self.notify(f"{what} {record.id}: {record.state}.", title="Safety backup")
        finally:
            busy.discard("safety")
            self.safety_choices = None  # a slot may have been used or freed: read again when shown
        self.changed()

    def _progress(self, progress: Progress) -> None:
        if self.is_current:
            self.show_progress(progress)

    def action_download(self) -> None:
        checklist = self.checklist
        state = checklist.steps[1]
        backup_id = checklist.safety_backup_id
        if not backup_id or state.status != "done":
            self.notify("No complete safety backup yet.", severity="warning")
            return
        if state.data.get("local"):
            self.notify(
                f"The local safety snapshot is already on disk. {state.data.get('where', '')}",
                title="Safety snapshot",
                timeout=12,
            )
            return
        if "download" not in self.context.busy:
            self.download_worker(backup_id)

    @work(exclusive=True, group="em-download", exit_on_error=False)
    async def download_worker(self, backup_id: str) -> None:
        """Download the safety backup (verified) to the Downloads folder; the headless command if not."""
        command = ops.download_command(self.ref, backup_id)
        busy = self.context.busy
        busy.add("download")
        try:

            def show(progress: DownloadProgress) -> None:
                if self.is_current:
                    total = f" of {progress.total:,}" if progress.total else ""
                    self.say(f"Downloading backup {backup_id}: {progress.phase} {progress.done:,}{total} bytes")

            result = await self.target.download_backup(
                self.ref, backup_id, folder=self.context.download_folder, progress=show
            )
        except Exception as exc:  # noqa: BLE001
            self.say(
                f"The download did not finish: {fmt.error_text(exc)}\nRun it from a shell instead (it "
                f"resumes where it stopped):\n\n  {command}"
            )
            return
        finally:
            busy.discard("download")
        self.checklist.record(1, downloaded=str(result.path), sha256=result.sha256)
        self.notify(str(result.path), title="Safety backup downloaded", timeout=15)
        self.changed()
