"""The shape every restore and import shares: [choose the data] → safety backup → review the staged
plan → confirm → follow. `RestoreWizard` and `ImportFileDialog` add their first step and say how the
plan is staged; this screen runs every service call in a worker and never changes anything before the
confirmation. Backing out before the confirmation drops the staged import; esc never quits the app."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Key
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Input, Static

from tui.screens import host_app
from tui.services.errors import RestoreRefused
from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, Progress, RestorePlan, RestoreResult
from tui.services.restore.safety import (
    SafetyBackupFailed,
    SafetyOptions,
    free_slot_then_fresh,
    reuse_words,
    safety_options,
    take_fresh,
    take_local,
)
from tui.screens.restore.safety import SafetyStep, offer_keys
from tui.services.restore import lost_restore
from tui.screens.restore.steps import ConfirmStep, FollowStep, ReviewStep
from tui.screens.restore.text import deployment_words, explain
from tui.widgets.formatting import error_text, size
from tui.widgets.typed_confirmation import TypedConfirmation
from tui.widgets.key_bar import KeyBar

STYLES = Path(__file__).parents[2] / "styles"

RESTORE_BINDINGS = [
    Binding("escape", "back_out", "Back out", id="restore_back_out"),
    Binding("c", "continue", "Continue", id="restore_continue"),
    Binding("b", "safety_backup", "Back up first", id="restore_safety_backup"),
    Binding("l", "safety_local", "Local snapshot", id="restore_safety_local"),
    Binding("o", "safety_oldest", "Free a slot", id="restore_safety_oldest"),
    Binding("u", "safety_recent", "Use recent", id="restore_safety_recent"),
    Binding("d", "safety_oldest_go", "Download, then delete", id="restore_safety_oldest_go"),
    # The same keys where they cannot run: hidden from the footer, they say why instead of doing nothing.
    Binding("b", "safety_why('b')", show=False, id="restore_safety_backup_why"),
    Binding("o", "safety_why('o')", show=False, id="restore_safety_oldest_why"),
    Binding("u", "safety_why('u')", show=False, id="restore_safety_recent_why"),
    Binding("s", "skip_safety", "Skip (say why)", id="restore_skip_safety"),
    Binding("y", "confirm", "Yes, restore", id="restore_confirm"),
    Binding("f", "follow_again", "Follow again", id="restore_follow_again"),
    Binding("enter", "close", "Close", id="restore_close", show=True),
]
# what a held-back key says, by stage: no key does nothing in silence
_WAIT_WORDS = {
    "source": "first choose what to restore (enter on a backup, or a ZIP's path)",
    "file": "first give the ZIP's path and press enter",
    "safety-check": "the deployment's backups are being read; wait a moment",
    "safety-offer": "first b takes a safety backup, or s skips it with a reason",
    "safety-running": "the safety backup is running; wait for it",
    "safety-reason": "first type why the safety backup is skipped, then enter",
    "staging": "the data is being staged; wait for the plan",
    "stage-failed": "staging failed (see the box); esc backs out",
    "confirming": "the restore is starting; wait",
    "following": "the restore runs on the server; wait for its end",
    "abandoning": "the staged data is being dropped; wait",
}
# which stage each action works in (check_action hides the others from the footer)
_ACTION_STAGES = {
    "continue": ("safety-ready", "review"),
    "safety_backup": ("safety-offer",),
    "safety_local": ("safety-offer",),
    "safety_oldest": ("safety-offer",),
    "safety_recent": ("safety-offer",),
    "safety_why": ("safety-offer",),
    "safety_oldest_go": ("safety-oldest-ask",),
    "skip_safety": ("safety-offer",),
    "confirm": ("confirm",),
    "follow_again": ("lost",),
    "close": ("done",),
}


class StagedRestoreScreen(Screen[RestoreResult | None]):
    CSS_PATH = [STYLES / "restore.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [*RESTORE_BINDINGS]
    TITLE_VERB = "Restore"
    FIRST_STEPS: tuple[tuple[str, str], ...] = ()  # (step id, label) before the shared steps

    class Finished(Message):
        """Posted when the flow ends with a restore; the checklist records it."""

        def __init__(self, result: RestoreResult, plan: RestorePlan, skip_reason: str | None) -> None:
            super().__init__()
            self.result = result
            self.plan = plan
            self.skip_reason = skip_reason

    def __init__(self, target: BackupTarget, deployment: DeploymentRef) -> None:
        super().__init__()
        self.target = target
        self.deployment = deployment
        self.stage = "start"
        self.plan: RestorePlan | None = None
        self.result: RestoreResult | None = None
        self.safety_backup_id: str | None = None
        self.rescue_path: Path | None = None  # what a full restore would lose, kept first (`_rescue`)
        self.documents_review: list[str] = []  # the review's words on the documents (`_rescue` says them)
        self.safety_label = ""  # how the confirmation names the safety copy
        self.safety_options: SafetyOptions | None = None
        self.skip_reason: str | None = None
        self._leaving = False

    # -- layout -------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="flow"):
            yield Static(
                f"{self.TITLE_VERB} into {deployment_words(self.deployment)}",
                id="flow-title",
                markup=False,
                classes="-prod" if self.deployment.is_prod else "",
            )
            yield Static("", id="flow-steps", markup=False)
            with ContentSwitcher(id="steps"):
                yield from self.first_steps()
                yield SafetyStep(self.deployment, id="safety")
                yield ReviewStep(id="review")
                yield ConfirmStep(self.deployment, id="confirm")
                yield FollowStep(id="follow")
        yield KeyBar()

    def first_steps(self) -> ComposeResult:
        yield from ()

    def steps(self) -> list[tuple[str, str]]:
        return [
            *self.FIRST_STEPS,
            ("safety", "Safety backup"),
            ("review", "Review"),
            ("confirm", "Confirm"),
            ("follow", "Restore"),
        ]

    def show_step(self, step: str, stage: str) -> None:
        self.stage = stage
        self.query_one(ContentSwitcher).current = step
        names = self.steps()
        index = next(i for i, (id, _) in enumerate(names) if id == step)
        self.query_one("#flow-steps", Static).update(
            f"Step {index + 1} of {len(names)}: {names[index][1]}   ("
            + " → ".join(f"[{label}]" if id == step else label for id, label in names)
            + ")"
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        stages = _ACTION_STAGES.get(action)
        if stages is None:
            return True
        if action == "confirm" and self.deployment.is_prod:
            return False  # production: only the typed name confirms
        if self.stage not in stages:
            return False
        runs = {"safety_backup": "b", "safety_oldest": "o", "safety_recent": "u"}
        if action in runs:
            return self._safety_key_runs(runs[action])
        if action == "safety_why":
            return not self._safety_key_runs(str(parameters[0]))
        return True

    def _safety_key_runs(self, key: str) -> bool:
        options = self.safety_options
        if options is None:
            return False
        if key == "b":
            return not options.at_limit
        if key == "o":
            return options.at_limit and options.oldest is not None
        return options.recent is not None

    # -- to be provided by subclasses ---------------------------------------------------------------------
    async def stage_plan(self) -> RestorePlan:
        raise NotImplementedError

    def staging_text(self) -> str:
        return f"Staging the data in {self.deployment.name}: uploading and checking it. Nothing changes yet."

    # -- step: safety backup ------------------------------------------------------------------------------
    def restore_backup(self) -> BackupRecord | None:
        """The backup restored (None: a file import), for the checks made before the safety backup."""
        return None

    def source_has_storage(self) -> bool:
        """Whether the data restored holds file storage (when unknown: yes)."""
        return True

    def restore_source(self) -> DeploymentRef:
        """The deployment whose backup is restored (another one's, or this one's)."""
        return self.deployment

    def restores_chosen_tables(self) -> bool:
        """Whether only some tables of the backup are restored."""
        return False

    async def _read_safety_options(self) -> SafetyOptions:
        backup = self.restore_backup()
        return await safety_options(
            self.target,
            self.deployment,
            source_has_storage=self.source_has_storage(),
            restoring=backup.id if backup is not None else None,
        )

    def start_safety(self) -> None:
        self.show_step("safety", "safety-check")
        self._check_safety()

    @work(exclusive=True, group="restore-safety", exit_on_error=False)
    async def _check_safety(self) -> None:
        """What Convex would refuse is found first (nothing is spent on a restore that cannot happen), then
        the safety options are offered; nothing is chosen for the operator."""
        step = self.query_one(SafetyStep)
        try:
            await self.target.check_restore(self.deployment, backup=self.restore_backup())
        except RestoreRefused as exc:
            step.show_refused(
                f"Refused before anything was done: {exc}",
                "esc, then choose another backup or deployment, or follow the advice above.",
            )
            self.stage = "safety-refused"
            self.refresh_bindings()
            return
        except Exception as exc:
            step.show_refused(*explain(exc, f"checking that {self.deployment.name} can be restored into"))
            self.stage = "safety-refused"
            self.refresh_bindings()
            return
        try:
            self.safety_options = await self._read_safety_options()
        except Exception as exc:
            step.show_error(
                *explain(exc, f"looking at the backups of {self.deployment.name}"), "s skip, saying why · esc back out"
            )
            self.stage = "safety-offer"
            self.refresh_bindings()
            return
        step.show_offer(self.safety_options)
        self.stage = "safety-offer"
        self.refresh_bindings()

    def action_safety_why(self, key: str) -> None:
        """A safety key pressed where it cannot run: a line says why and what would."""
        options = self.safety_options
        step = self.query_one(SafetyStep)
        if options is None:
            step.show_note(
                f"{key} does nothing here: the backups could not be read. s skips (saying why); "
                "esc, then start again, retries."
            )
        elif key == "b":
            step.show_note(
                f"b does nothing here: {options.limit_words()}. Press l for a local safety snapshot "
                "(no backup slot)"
                + (", or o to download and delete the oldest backup first." if options.oldest else ".")
            )
        elif key == "o":
            why = (
                "there is a free backup slot: b backs up now"
                if not options.at_limit
                else "there is no complete backup to download"
            )
            step.show_note(f"o does nothing here: {why}.")
        else:
            lacking = (
                f" (backup {options.recent_without_files.id} has no file storage, which this restore needs)"
                if options.recent_without_files
                else ""
            )
            step.show_note(f"u does nothing here: no complete backup from the last five minutes can serve{lacking}.")

    def action_safety_backup(self) -> None:
        self._run_safety("fresh")

    def action_safety_local(self) -> None:
        if self.safety_options is None:
            self.action_safety_why("l")
            return
        self._run_safety("local")

    def action_safety_oldest(self) -> None:
        """Deleting a backup is asked again with another key, though it is kept on disk first."""
        options = self.safety_options
        assert options is not None and options.oldest is not None
        self.query_one(SafetyStep).ask_delete_oldest(options.oldest, self.target.local_backup_folder(self.deployment))
        self.stage = "safety-oldest-ask"
        self.refresh_bindings()

    def action_safety_oldest_go(self) -> None:
        self._run_safety("oldest")

    def action_safety_recent(self) -> None:
        options = self.safety_options
        assert options is not None and options.recent is not None
        self.safety_backup_id = options.recent.id
        self.safety_label = reuse_words(options.recent)
        self.query_one(SafetyStep).show_reused(options.recent)
        self.stage = "safety-ready"
        self.refresh_bindings()

    def _run_safety(self, how: str) -> None:
        self.stage = "safety-running"
        self.refresh_bindings()
        self._take_safety_backup(how)

    @work(exclusive=True, group="restore-safety", exit_on_error=False)
    async def _take_safety_backup(self, how: str) -> None:
        step = self.query_one(SafetyStep)
        options = self.safety_options
        assert options is not None
        storage = options.include_storage
        what = "Saving a local safety snapshot of" if how == "local" else "Backing up"
        step.show_progress(Progress("Starting…"), what)

        def progress(value: Progress) -> None:
            step.show_progress(value, what)

        try:
            if how == "local":
                record = await take_local(self.target, self.deployment, include_storage=storage, on_progress=progress)
            elif how == "oldest":
                assert options.oldest is not None
                saved, record = await free_slot_then_fresh(
                    self.target, self.deployment, options.oldest, include_storage=storage, on_progress=progress
                )
                self.app.notify(
                    f"Backup {options.oldest.id} was saved to {saved.path} (verified) and then deleted from Convex.",
                    title="Oldest backup kept on disk",
                    timeout=15,
                )
            else:
                record = await take_fresh(self.target, self.deployment, include_storage=storage, on_progress=progress)
        except Exception as exc:
            doing = "the safety backup" if isinstance(exc, SafetyBackupFailed) else f"backing up {self.deployment.name}"
            try:  # what is possible now (a slot may have been freed, a backup may have been added)
                self.safety_options = options = await self._read_safety_options()
                step.show_offer(options)
            except Exception:  # noqa: BLE001 - the error below is what matters; the old options stand
                pass
            step.show_error(*explain(exc, doing), offer_keys(options))
            self.stage = "safety-offer"
            self.refresh_bindings()
            return
        self.safety_backup_id = record.id
        self.safety_label = (
            f"local safety snapshot {record.id} ({record.notes[0]})"
            if how == "local" and record.notes
            else f"backup {record.id}, taken just now"
        )
        step.show_done(record, local=how == "local")
        self.stage = "safety-ready"
        self.refresh_bindings()

    def action_skip_safety(self) -> None:
        self.stage = "safety-reason"
        self.refresh_bindings()
        self.query_one(SafetyStep).ask_reason()

    @on(SafetyStep.Skipped)
    def _skipped(self, event: SafetyStep.Skipped) -> None:
        self.skip_reason = event.reason
        self.start_staging()

    # -- step: review (staging) ---------------------------------------------------------------------------
    def start_staging(self) -> None:
        self.show_step("review", "staging")
        self.query_one(ReviewStep).show_staging(self.staging_text())
        self._stage()

    @work(exclusive=True, group="restore-stage", exit_on_error=False)
    async def _stage(self) -> None:
        review = self.query_one(ReviewStep)
        await self._rescue()
        try:
            plan = await self.stage_plan()
        except Exception as exc:
            review.show_error(*explain(exc, "staging the data"))
            self.stage = "stage-failed"
            self.refresh_bindings()
            if self._leaving:
                self.dismiss(None)
            return
        self.plan = replace(plan, safety_backup_id=self.safety_backup_id)
        if self._leaving:
            self._abandon_and_leave()
            return
        review.show_plan(self.plan, self.documents_review)
        self.stage = "review"
        self.refresh_bindings()
        review.focus()

    def on_staging_progress(self, progress: Progress) -> None:
        self.query_one(ReviewStep).show_staging(f"{self.staging_text()}\n{progress.message}", progress)

    async def _rescue(self) -> None:
        """Before a full restore of a backup, keep what it would revert or remove in a rescue ZIP beside the safety
        backups (tui/commands/README.md "Restore only what is broken"); said in a notice, never in the way of the
        restore (the safety backup holds everything). Not for a ZIP on disk, chosen tables, or a target without a data
        API. Its diff of the backup against now is what the review shows of the documents; without it, why not."""
        from tui.services.restore import documents as documents_restore
        from tui.services.restore.review import compared_lines, not_compared_lines

        backup = self.restore_backup()
        name = self.deployment.name
        if backup is None:
            self.documents_review = not_compared_lines(name, "a ZIP file is imported")
            return
        if self.restores_chosen_tables():
            self.documents_review = not_compared_lines(name, "only chosen tables are restored")
            return
        if not documents_restore.has_data_api(self.target):
            self.documents_review = not_compared_lines(name, "no snapshot of it can be taken here")
            return
        if (backup.size or 0) > documents_restore.RESCUE_AUTO_LIMIT:
            self.notify(
                f"No rescue file: backup {backup.id} is {size(backup.size)} and the rescue step would "
                "download it and diff it against now first. The safety backup holds everything.",
                timeout=15,
            )
            self.documents_review = not_compared_lines(name, f"the backup is {size(backup.size)}")
            return
        self.on_staging_progress(Progress("Saving the documents this restore would revert or remove (rescue file)"))
        try:
            rescue = await documents_restore.save_rescue_in_temp(
                self.target,
                self.deployment,
                self.restore_source(),
                backup,
                on_progress=self.on_staging_progress,
            )
        except Exception as exc:  # noqa: BLE001 - the rescue is a convenience: the safety backup has it all
            self.notify(
                f"No rescue file ({error_text(exc)}); the safety backup still holds everything.",
                severity="warning",
                timeout=15,
            )
            self.documents_review = not_compared_lines(name, "the comparison failed")
            return
        self.rescue_path = path = rescue.path
        self.documents_review = compared_lines(rescue.diff, name)
        self.notify(
            f"Rescue file: {path} ({sum(rescue.counts.values()):,} documents this restore reverts or removes). "
            f"convex-backups reapply {path.name} --table T puts chosen ones back.",
            timeout=20,
        )

    # -- step: confirm ------------------------------------------------------------------------------------
    def action_continue(self) -> None:
        if self.stage == "safety-ready":
            self.start_staging()
        elif self.stage == "review" and self.plan is not None:
            step = self.query_one(ConfirmStep)
            safety = (
                self.safety_label or f"backup {self.safety_backup_id}"
                if self.safety_backup_id
                else f"SKIPPED — {self.skip_reason}"
            )
            step.show(self.plan, safety)
            self.show_step("confirm", "confirm")
            if self.deployment.is_prod:
                self.query_one(TypedConfirmation).focus()
            else:
                step.focus()

    @on(TypedConfirmation.Confirmed)
    def _typed(self, event: TypedConfirmation.Confirmed) -> None:
        if self.stage == "confirm" and event.value == self.deployment.name:
            self._confirm_and_follow()

    def action_confirm(self) -> None:
        if self.stage == "confirm" and not self.deployment.is_prod:
            self._confirm_and_follow()

    # -- step: follow -------------------------------------------------------------------------------------
    @work(exclusive=True, group="restore-follow", exit_on_error=False)
    async def _confirm_and_follow(self) -> None:
        assert self.plan is not None
        self.stage = "confirming"
        self.refresh_bindings()
        confirm = self.query_one(ConfirmStep)
        confirm.show_starting()
        try:
            await self.target.confirm_restore(self.plan)
        except Exception as exc:
            confirm.show_error(*explain(exc, "starting the restore"))
            self.stage = "confirm"
            self.refresh_bindings()
            return
        self.show_step("follow", "following")
        await self._follow()

    def action_follow_again(self) -> None:
        self.stage = "following"
        self.refresh_bindings()
        self.run_worker(self._follow(), exclusive=True, group="restore-follow", exit_on_error=False)

    async def _follow(self) -> None:
        assert self.plan is not None
        follow = self.query_one(FollowStep)
        try:
            async for progress in self.target.follow_restore(self.plan):
                follow.show_progress(progress)
            result = await self.target.restore_result(self.plan)
        except Exception as exc:  # the restore is confirmed: it carries on on the server whatever happens here
            follow.show_lost(
                *lost_restore.words(
                    self.deployment.name, self.plan.import_id, error_text(exc), again="f here follows it again"
                )
            )
            self.stage = "lost"
            self.refresh_bindings()
            return
        self.result = result
        follow.show_result(result, self.plan)
        self.stage = "done"
        self.refresh_bindings()
        self.post_message(self.Finished(result, self.plan, self.skip_reason))

    def on_key(self, event: Key) -> None:
        """A key of this flow that does nothing at this stage says why (the footer lists those that work)."""
        if isinstance(self.focused, Input):
            return
        if event.key in ("escape", "enter"):
            return
        keymap = host_app.keymap(self.app)  # the keys after [ui.keys] remaps (tui/bindings.py)
        bindings = [b for b in RESTORE_BINDINGS if event.key in keymap.get(b.id or "", b.key).split(",")]
        # A key may have a hidden twin that explains itself (the safety step's "why" bindings): let it run.
        if not bindings or any(self.check_action(*parse_action(b.action)[1:]) is True for b in bindings):
            return
        binding = bindings[0]
        event.stop()
        if binding.action == "confirm" and self.stage == "confirm" and self.deployment.is_prod:
            why = f"this is production: type its name ({self.deployment.name}) in the box, then enter"
        else:
            why = _WAIT_WORDS.get(self.stage, "the keys at the bottom are the ones that work now")
        self.notify(f"{event.key} ({binding.description}) does nothing now: {why}.", severity="warning", timeout=6)

    # -- leaving ------------------------------------------------------------------------------------------
    def action_close(self) -> None:
        if self.stage == "done":
            self.dismiss(self.result)

    def action_back_out(self) -> None:
        if self.stage == "safety-oldest-ask":  # back to the safety choices, not out of the flow
            assert self.safety_options is not None
            self.query_one(SafetyStep).show_offer(self.safety_options)
            self.stage = "safety-offer"
            self.refresh_bindings()
        elif self.stage == "done":
            self.dismiss(self.result)
        elif self.stage in ("following", "confirming"):
            self.notify(
                "The restore runs on the server and cannot be stopped; this screen shows its end.",
                title="Restore running",
                severity="warning",
            )
        elif self.stage == "lost":
            self.dismiss(None)
        elif self.stage == "staging":
            if self._leaving:  # second esc: leave now; the import, if any, waits and changes nothing
                self.workers.cancel_group(self, "restore-stage")
                self.app.notify(
                    f"An import may still wait for confirmation in {self.deployment.name}; it changes nothing.",
                    title="Left while staging",
                    severity="warning",
                )
                self.dismiss(None)
                return
            self._leaving = True
            self.query_one(ReviewStep).show_staging(
                "Backing out: waiting for the server so the staged data can be dropped… (esc again: leave now)"
            )
        elif self.plan is not None:
            self._abandon_and_leave()
        else:
            self.dismiss(None)

    @work(exclusive=True, group="restore-abandon", exit_on_error=False)
    async def _abandon_and_leave(self) -> None:
        plan, self.plan = self.plan, None
        self.stage = "abandoning"
        self.refresh_bindings()
        if plan is not None:
            try:
                await self.target.abandon_restore(plan)
            except Exception as exc:
                happened, todo = explain(exc, "dropping the staged import")
                self.app.notify(
                    f"{happened} It changes nothing while it waits. {todo}",
                    severity="error",
                    title="Backed out",
                    timeout=15,
                )
            else:
                self.app.notify(f"Backed out: nothing was restored into {plan.target.name}.", title="Backed out")
        self.dismiss(None)
