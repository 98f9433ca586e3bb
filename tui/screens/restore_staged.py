"""The shape every restore and import shares: [choose the data] → safety backup → review the staged
plan → confirm → follow. `RestoreWizard` and `ImportFileDialog` add their first step and say how the
plan is staged; this screen runs every service call in a worker and never changes anything before the
confirmation. Backing out before the confirmation drops the staged import; esc never quits the app."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Static

from tui.services import lost_restore
from tui.services.protocol import BackupTarget, DeploymentRef, Progress, RestorePlan, RestoreResult
from tui.services.safety import SafetyBackupFailed, ensure_safety_backup, recent_backup
from tui.screens.restore_safety import SafetyStep
from tui.screens.restore_steps import ConfirmStep, FollowStep, ReviewStep
from tui.screens.restore_text import deployment_words, explain
from tui.widgets.formatting import error_text
from tui.widgets.typed_confirmation import TypedConfirmation

STYLES = Path(__file__).parent.parent / "styles"

RESTORE_BINDINGS = [
    Binding("escape", "back_out", "Back out", id="restore_back_out"),
    Binding("c", "continue", "Continue", id="restore_continue"),
    Binding("b", "safety_backup", "Back up first", id="restore_safety_backup"),
    Binding("s", "skip_safety", "Skip (say why)", id="restore_skip_safety"),
    Binding("y", "confirm", "Yes, restore", id="restore_confirm"),
    Binding("f", "follow_again", "Follow again", id="restore_follow_again"),
    Binding("enter", "close", "Close", id="restore_close", show=True),
]
# which stage each action works in (check_action hides the others from the footer)
_ACTION_STAGES = {
    "continue": ("safety-ready", "review"),
    "safety_backup": ("safety-offer",),
    "skip_safety": ("safety-offer",),
    "confirm": ("confirm",),
    "follow_again": ("lost",),
    "close": ("done",),
}


class StagedRestoreScreen(Screen[RestoreResult | None]):
    CSS_PATH = [STYLES / "restore.tcss"]
    BINDINGS = RESTORE_BINDINGS
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
        self.skip_reason: str | None = None
        self._leaving = False

    # -- layout -------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="flow"):
            yield Static(f"{self.TITLE_VERB} into {deployment_words(self.deployment)}", id="flow-title",
                         markup=False, classes="-prod" if self.deployment.is_prod else "")
            yield Static("", id="flow-steps", markup=False)
            with ContentSwitcher(id="steps"):
                yield from self.first_steps()
                yield SafetyStep(self.deployment, id="safety")
                yield ReviewStep(id="review")
                yield ConfirmStep(self.deployment, id="confirm")
                yield FollowStep(id="follow")
        yield Footer()

    def first_steps(self) -> ComposeResult:
        yield from ()

    def steps(self) -> list[tuple[str, str]]:
        return [*self.FIRST_STEPS, ("safety", "Safety backup"), ("review", "Review"), ("confirm", "Confirm"),
                ("follow", "Restore")]

    def show_step(self, step: str, stage: str) -> None:
        self.stage = stage
        self.query_one(ContentSwitcher).current = step
        names = self.steps()
        index = next(i for i, (id, _) in enumerate(names) if id == step)
        self.query_one("#flow-steps", Static).update(
            f"Step {index + 1} of {len(names)}: {names[index][1]}   ("
            + " → ".join(f"[{label}]" if id == step else label for id, label in names) + ")")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        stages = _ACTION_STAGES.get(action)
        if stages is None:
            return True
        if action == "confirm" and self.deployment.is_prod:
            return False  # production: only the typed name confirms
        return self.stage in stages

    # -- to be provided by subclasses ---------------------------------------------------------------------
    async def stage_plan(self) -> RestorePlan:
        raise NotImplementedError

    def staging_text(self) -> str:
        return f"Staging the data in {self.deployment.name}: uploading and checking it. Nothing changes yet."

    # -- step: safety backup ------------------------------------------------------------------------------
    def start_safety(self) -> None:
        self.show_step("safety", "safety-check")
        self._check_safety()

    @work(exclusive=True, group="restore-safety", exit_on_error=False)
    async def _check_safety(self) -> None:
        step = self.query_one(SafetyStep)
        try:
            backups = await self.target.list_backups(self.deployment)
        except Exception as exc:
            step.show_error(*explain(exc, f"listing the backups of {self.deployment.name}"))
            self.stage = "safety-offer"
            self.refresh_bindings()
            return
        recent = recent_backup(backups)
        if recent is not None:
            self.safety_backup_id = recent.id
            step.show_recent(recent)
            self.stage = "safety-ready"
        else:
            complete = [b for b in backups if b.state == "complete"]
            step.show_offer(max(complete, key=lambda b: b.completed or b.requested, default=None))
            self.stage = "safety-offer"
        self.refresh_bindings()

    def action_safety_backup(self) -> None:
        self.stage = "safety-running"
        self.refresh_bindings()
        self._take_safety_backup()

    @work(exclusive=True, group="restore-safety", exit_on_error=False)
    async def _take_safety_backup(self) -> None:
        step = self.query_one(SafetyStep)
        step.show_progress(Progress("Asking for a backup…"))
        try:
            safety = await ensure_safety_backup(self.target, self.deployment, include_storage=True,
                                                on_progress=step.show_progress)
        except Exception as exc:
            doing = "the safety backup" if isinstance(exc, SafetyBackupFailed) else \
                f"backing up {self.deployment.name}"
            step.show_error(*explain(exc, doing))
            self.stage = "safety-offer"
            self.refresh_bindings()
            return
        self.safety_backup_id = safety.backup.id
        step.show_done(safety.backup)
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
        review.show_plan(self.plan)
        self.stage = "review"
        self.refresh_bindings()
        review.focus()

    def on_staging_progress(self, progress: Progress) -> None:
        self.query_one(ReviewStep).show_staging(f"{self.staging_text()}\n{progress.message}", progress)

    # -- step: confirm ------------------------------------------------------------------------------------
    def action_continue(self) -> None:
        if self.stage == "safety-ready":
            self.start_staging()
        elif self.stage == "review" and self.plan is not None:
            step = self.query_one(ConfirmStep)
            safety = (f"backup {self.safety_backup_id}" if self.safety_backup_id
                      else f"SKIPPED — {self.skip_reason}")
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
            follow.show_lost(*lost_restore.words(self.deployment.name, self.plan.import_id, error_text(exc),
                                                 again="f here follows it again"))
            self.stage = "lost"
            self.refresh_bindings()
            return
        self.result = result
        follow.show_result(result, self.plan)
        self.stage = "done"
        self.refresh_bindings()
        self.post_message(self.Finished(result, self.plan, self.skip_reason))

    # -- leaving ------------------------------------------------------------------------------------------
    def action_close(self) -> None:
        if self.stage == "done":
            self.dismiss(self.result)

    def action_back_out(self) -> None:
        if self.stage == "done":
            self.dismiss(self.result)
        elif self.stage in ("following", "confirming"):
            self.notify("The restore runs on the server and cannot be stopped; this screen shows its end.",
                        title="Restore running", severity="warning")
        elif self.stage == "lost":
            self.dismiss(None)
        elif self.stage == "staging":
            if self._leaving:  # second esc: leave now; the import, if any, waits and changes nothing
                self.workers.cancel_group(self, "restore-stage")
                self.app.notify(f"An import may still wait for confirmation in {self.deployment.name}; "
                                "it changes nothing.", title="Left while staging", severity="warning")
                self.dismiss(None)
                return
            self._leaving = True
            self.query_one(ReviewStep).show_staging(
                "Backing out: waiting for the server so the staged data can be dropped… (esc again: leave now)")
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
                self.app.notify(f"{happened} It changes nothing while it waits. {todo}", severity="error",
                                title="Backed out", timeout=15)
            else:
                self.app.notify(f"Backed out: nothing was restored into {plan.target.name}.", title="Backed out")
        self.dismiss(None)
