"""Step 2 of the checklist, restore data: list the deployment's complete backups (age, size, files), run the
`RestoreWizard` on the chosen one (full or chosen tables), or `D`: the diff screen to restore only documents;
and show per-table counts before and after.

The wizard gets a `RecordingTarget` (tui/services/checklist/recording.py): the target itself, except that
staging and confirming a restore are written into the checklist the moment they happen, so the import id
is on disk before the restore is followed (a new app resumes it instead of restoring again)."""

from __future__ import annotations

from textual import work

from tui.screens.emergency.context import ChecklistContext
from tui.screens.emergency.panel import StepPanel
from tui.screens.restore.wizard import RestoreWizard
from tui.services.checklist import operations as ops
from tui.services.checklist.recording import RecordingTarget
from tui.services.protocol import BackupRecord, RestoreResult
from tui.widgets import formatting as fmt


class RestoreStep(StepPanel):
    NUMBER = 2
    ACTIONS = frozenset({"run_step", "skip_step", "redo_step", "inspect_backup", "restore_documents"})

    def __init__(self, context: ChecklistContext) -> None:
        super().__init__(context)
        self.backups: list[BackupRecord] = []
        self.wizard: RestoreWizard | None = None  # while the wizard runs this step's restore

    def draw(self, head: str) -> None:
        state = self.checklist.steps[2]
        before, after = state.data.get("counts_before"), state.data.get("counts_after")
        if state.status in ("done", "failed") and not state.data.get("nothing_restored") and (before or after):
            table = self.show_table(["Table", "Before", "After"])
            for row in ops.counts_table(before, after):
                table.add_row(*row)
            unread = ' ("not read": the counts could not be read then)' if before is None or after is None else ""
            self.say(head + f"Per-table document counts before and after the restore{unread}. x redoes this step.")
            return
        if state.status == "running":
            self.say(head + self._running_text())
            return
        self.say(head + "Loading backups…")
        self.load_backups(head)

    def _running_text(self) -> str:
        import_id = self.checklist.restore_import_id
        if "resume" in self.context.busy:
            return f"Following the restore (import {import_id}) on the server to its end…"
        if self.context.restore_lost is not None:
            happened, todo = self.context.restore_lost
            return f"{happened}\nWhat to do: {todo}"
        if self.wizard is not None:
            return "The restore wizard is open: it stages, confirms and follows the restore."
        if import_id and self.checklist.steps[2].data.get("confirmed"):
            return f"The restore (import {import_id}) runs on the server. g follows it to its end."
        return "The restore was started here and is not followed any more. g asks the server what happened."

    @work(exclusive=True, group="em-backups", exit_on_error=False)
    async def load_backups(self, head: str = "") -> None:
        try:
            backups = await self.target.list_backups(self.ref)
        except Exception as exc:  # noqa: BLE001
            self.say(f"Could not list the backups: {fmt.error_text(exc)}")
            return
        if not self.is_current:
            return
        self.backups = [b for b in backups if b.state == "complete"]
        now = self.context.clock()
        table = self.show_table(["Id", "Taken", "Files", "Kind", "Size", "Note", "At (UTC)"])
        for b in self.backups:
            note = "step 1 safety" if b.id == self.checklist.safety_backup_id else ""
            table.add_row(
                b.id,
                fmt.ago(b.completed or b.requested, now),
                "yes" if b.include_storage else "no",
                b.kind,
                fmt.size(b.size),
                note,
                fmt.exact(b.requested),
                key=b.id,
            )
        if not self.backups:  # the wizard offers the team's other deployments' backups and a ZIP on disk
            self.say(
                f"{self.ref.name} has no complete backup of its own. g opens the guided restore: choose "
                "another deployment's backup (same team) or a snapshot ZIP on disk, then the safety check, "
                "the change summary, a typed confirmation, and it is followed to the end."
            )
            return
        good = next((i for i, b in enumerate(self.backups) if b.id != self.checklist.safety_backup_id), 0)
        if self.backups:
            table.move_cursor(row=good)
        self.say(
            head + "Choose a good backup from before the trouble (tab to the table, arrows). i inspects it: "
            "per-table counts compared with the current data. g starts the guided restore: safety check, "
            "the change summary, a typed confirmation, then it is followed to the end. Full, tables or "
            "documents: g restores every table (or, in the wizard, only chosen ones); D compares the backup "
            "with now and restores only the documents marked there."
        )

    def _highlighted_backup(self) -> BackupRecord | None:
        backup_id = self.row_key()
        return next((b for b in self.backups if b.id == backup_id), None) if self.backups else None

    def action_inspect_backup(self) -> None:
        if not self.backups or self.row_key() is None:
            self.notify(
                f"{self.ref.name} has no complete backup of its own to inspect. g opens the guided "
                "restore, where another deployment's backup or a ZIP on disk can be chosen.",
                severity="warning",
            )
            return
        backup = self._highlighted_backup()
        if backup is not None:
            from tui.screens.main.inspect_backup import InspectScreen

            self.app.push_screen(InspectScreen(self.target, self.ref, backup))

    def action_restore_documents(self) -> None:
        """Step 2's "documents": the diff screen for the chosen backup, where space marks and R restores
        (README "Restore only what is broken"); the checklist does not record it as the step's restore."""
        if not self.backups or self.row_key() is None:
            self.notify(f"{self.ref.name} has no complete backup of its own to compare with now.", severity="warning")
            return
        backup = self._highlighted_backup()
        if backup is not None:
            from tui.screens.restore.diff import DiffScreen

            self.app.push_screen(DiffScreen(self.target, self.ref, backup))

    def run(self) -> None:
        state = self.checklist.steps[2]
        if state.status == "running":
            if "resume" in self.context.busy or self.wizard is not None:
                self.notify("The restore is being followed; its end shows here.", severity="warning")
            else:  # lost track of it (a dropped connection, a restart): ask the server again
                self.post_message(self.FollowRunning())
            return
        if state.status == "done" or (state.status == "failed" and not state.data.get("nothing_restored")):
            self.notify("x redoes this step (choose another backup).", severity="warning")
            return
        if not self.backups or self.row_key() is None:
            self.start_restore(None)  # no backup of its own: the wizard chooses another source
            return
        backup = self._highlighted_backup()
        if backup is not None:
            self.start_restore(backup)

    @work(exclusive=True, group="em-restore", exit_on_error=False)
    async def start_restore(self, backup: BackupRecord | None) -> None:
        before = await ops.counts_now(self.target, self.ref)  # None when unreadable: said as "not read"
        self.context.restore_lost = None
        ops.begin_restore(self.checklist, backup, before)
        self.changed()
        self.wizard = RestoreWizard(RecordingTarget(self.target, self.checklist), self.ref, backup)
        self.app.push_screen(self.wizard, self.restore_ended)

    def restore_ended(self, result: RestoreResult | None) -> None:
        self.wizard = None
        data = self.checklist.steps[2].data
        if result is not None:
            self.finish_restore_worker(result)
        elif data.get("confirmed"):
            self.post_message(self.FollowRunning())  # the wizard lost track: follow the recorded import
        else:
            self.backed_out_worker()

    @work(exclusive=True, group="em-restore-finish", exit_on_error=False)
    async def backed_out_worker(self) -> None:
        self.checklist.fail(
            2,
            "backed out before confirming; nothing was restored, the data is as it was",
            counts_after=await ops.counts_now(self.target, self.ref),
            nothing_restored=True,
        )
        self.changed()

    @work(exclusive=True, group="em-restore-finish", exit_on_error=False)
    async def finish_restore_worker(self, result: RestoreResult) -> None:
        await ops.finish_restore(self.checklist, self.target, self.ref, result)
        self.changed(select=2)

    def redo_first(self) -> bool:
        if ops.interrupted_restore(self.checklist) and self.wizard is None and "resume" not in self.context.busy:
            # a restore left staged would refuse the next one: find and cancel it first, then say what happened
            self.notify("First asking the server what the stopped restore left behind.", title="Redo")
            self.post_message(self.FollowRunning())
            return True
        return False
