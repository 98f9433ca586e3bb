"""`EmergencyScreen`: the emergency-restore checklist. Steps on the left (with their status in words),
the selected step's widget on the right, one per step in a `ContentSwitcher` (tui/screens/emergency/
step_*.py). Each step's work runs in a worker through `tui.services.checklist.operations`; the checklist is saved
after every change, and a checklist left unfinished is offered for resuming (a backup or restore that was
running is followed again, never started twice).

    EmergencyScreen(target, store, deployment=None, incidents=folder)

Keys: g runs the selected step, s skips it (say why), x redoes it, tab moves between panes, esc backs out
(of a prompt, then of the step, then of the screen; never quits). Steps add their own keys (shown in the
footer); the bindings are the screen's, in one list (keys.py), and each runs on the step that offers it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option

from tui.services.secrets import Secret
from tui.screens.emergency.context import ChecklistContext
from tui.screens.emergency.keys import EMERGENCY_BINDINGS, MARKS, SHORT_TITLES
from tui.screens.emergency.panel import StepPanel
from tui.screens.emergency.prompt import ChecklistPrompt
from tui.screens.emergency.step_close import CloseStep
from tui.screens.emergency.step_code import CodeStep
from tui.screens.emergency.step_data import DataStep
from tui.screens.emergency.step_deployment import DeploymentStep
from tui.screens.emergency.step_env import EnvStep
from tui.screens.emergency.step_restore import RestoreStep
from tui.screens.emergency.step_safety import SafetyStep
from tui.services.checklist import operations as ops
from tui.services.checklist import pause as checklist_pause
from tui.services.restore import lost_restore
from tui.services.checklist.state import DESTRUCTIVE_STEPS, STEP_TITLES, Checklist, ChecklistStore
from tui.services.protocol import BackupTarget, DeploymentRef, DeploymentState, Progress
from tui.widgets import formatting as fmt
from tui.widgets.key_bar import KeyBar

STYLES = Path(__file__).parent.parent.parent / "styles"
# every action a step offers (the others, such as esc and tab, are the screen's own)
STEP_ACTIONS = (
    frozenset({"run_step", "skip_step", "redo_step"})
    | DeploymentStep.ACTIONS
    | SafetyStep.ACTIONS
    | RestoreStep.ACTIONS
    | CodeStep.ACTIONS
    | EnvStep.ACTIONS
    | DataStep.ACTIONS
    | CloseStep.ACTIONS
)


class EmergencyScreen(Screen[None]):
    CSS_PATH = [STYLES / "emergency.tcss"]
    BINDINGS = EMERGENCY_BINDINGS
    HELP = (
        "The emergency-restore checklist. Work down the steps: step 0 chooses the deployment every other "
        "step works on (nothing is saved before it), and nothing that changes the deployment is "
        "offered before the safety backup (step 1) is done or skipped with a reason. Every step can be "
        "redone; the checklist is saved after every change and can be resumed after a dropped connection."
    )

    mode: reactive[str] = reactive("loading", bindings=True, init=False)  # loading | offer-resume | steps
    selected: reactive[int] = reactive(0, bindings=True, init=False)  # the step on screen

    def __init__(
        self,
        target: BackupTarget,
        store: ChecklistStore,
        deployment: str | None = None,
        *,
        incidents: Path | None = None,
        checklist: Checklist | None = None,
        deploy_command: str | None = None,
        deploy_key: Secret | None = None,
        project: Path | None = None,
        clock: Callable[[], Any] = fmt.utc_now,
        download_folder: Path | None = None,
    ) -> None:
        super().__init__()
        self.context = ChecklistContext(
            target, store, incidents or store.root.parent / "incidents", clock, download_folder, checklist
        )
        self.wanted_name = deployment
        self.offered: Checklist | None = None
        self.deployment_step = DeploymentStep(self.context)
        self.safety_step = SafetyStep(self.context)
        self.restore_step = RestoreStep(self.context)
        self.code_step = CodeStep(self.context, deploy_command, project, deploy_key)
        self.env_step = EnvStep(self.context)
        self.data_step = DataStep(self.context)
        self.close_step = CloseStep(self.context)
        self.context.on_change = self._step_changed
        self.steps: tuple[StepPanel, ...] = (
            self.deployment_step,
            self.safety_step,
            self.restore_step,
            self.code_step,
            self.env_step,
            self.data_step,
            self.close_step,
        )

    # -- what the steps share, as the screen's own (tests and the main screen read these) -----------------
    @property
    def target(self) -> BackupTarget:
        return self.context.target

    @property
    def store(self) -> ChecklistStore:
        return self.context.store

    @property
    def checklist(self) -> Checklist | None:
        return self.context.checklist

    @property
    def ref(self) -> DeploymentRef | None:
        return self.context.ref

    @property
    def deployments(self) -> list[DeploymentRef]:
        return self.context.deployments

    @property
    def busy(self) -> set[str]:
        return self.context.busy

    @property
    def pause_supported(self) -> bool:
        return self.context.pause_supported

    @property
    def live_state(self) -> DeploymentState | None:
        return self.context.live_state

    @property
    def is_paused(self) -> bool:
        return self.context.is_paused

    @property
    def on_sandbox(self) -> bool:
        return self.context.on_sandbox

    @property
    def restore_lost(self) -> tuple[str, str] | None:
        return self.context.restore_lost

    @property
    def incident_path(self) -> Path | None:
        return self.close_step.incident_path

    @property
    def panel(self) -> StepPanel:
        """The selected step's widget."""
        return self.steps[self.selected]

    # -- layout -------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("EMERGENCY RESTORE", id="em-title", markup=False)
        with Horizontal(id="em-body"):
            yield OptionList(id="em-steps")
            with Vertical(id="em-panel"):
                yield Static("", id="em-step-title", markup=False)
                with ContentSwitcher(id="em-switcher", initial=self.deployment_step.id):
                    yield from self.steps
                yield ChecklistPrompt()
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#em-steps", OptionList).border_title = "Steps"
        self.load()

    @property
    def prompt(self) -> ChecklistPrompt:
        return self.query_one(ChecklistPrompt)

    def say(self, text: str) -> None:
        self.panel.say(text)

    def set_title(self, text: str) -> None:
        self.query_one("#em-step-title", Static).update(text)

    # -- start: deployment and checklist ------------------------------------------------------------------
    @work(exclusive=True, group="em-load", exit_on_error=False)
    async def load(self) -> None:
        context = self.context
        try:
            context.deployments = await context.target.list_deployments()
            info = await context.target.info()
        except Exception as exc:  # noqa: BLE001
            self.say(f"Could not list the deployments: {fmt.error_text(exc)}\nesc goes back.")
            return
        context.target_label = info.label
        context.target_kind = info.kind
        context.pause_supported = await ops.supports_pause(context.target)
        if context.checklist is not None:
            context.ref = context.ref_named(context.checklist.deployment)
            self.enter_steps()
            return
        # the asked-for deployment's unfinished checklist first, else any (the main screen's line says E resumes
        # it); n starts a new one for the asked-for deployment either way
        reachable = [c for c in context.store.all() if not c.finished and context.ref_named(c.deployment) is not None]
        self.offered = next((c for c in reachable if c.deployment == self.wanted_name), None) or next(
            iter(reachable), None
        )
        if self.offered is not None:
            step = self.offered.current_step()
            running = self.offered.running_operations()
            self.set_title(f"Unfinished checklist for {self.offered.deployment}")
            self.say(
                f"An unfinished checklist for {self.offered.deployment} was started by {self.offered.who} at "
                f"{self.offered.created:%Y-%m-%d %H:%M} UTC; it stopped at step {step} "
                f"({STEP_TITLES[step]}).\n"
                + (
                    f"Still running on the server: {', '.join(f'step {s} ({i})' for s, i in running)}; "
                    "resuming follows it, it is not started again.\n"
                    if running
                    else ""
                )
                + (
                    f"Stopped inside the restore wizard: resuming asks {self.offered.deployment} what was "
                    "staged and cancels it (nothing unconfirmed is left to block a restore).\n"
                    if ops.interrupted_restore(self.offered)
                    else ""
                )
                + "\nr resume it · n start a new checklist · esc back"
            )
            self.mode = "offer-resume"
            return
        self.start_new()

    def _default_ref(self) -> DeploymentRef | None:
        deployments = self.context.deployments
        return (
            self.context.ref_named(self.wanted_name)
            or next((d for d in deployments if d.is_prod), None)
            or (deployments[0] if deployments else None)
        )

    def start_new(self) -> None:
        ref = self._default_ref()
        if ref is None:
            self.say("There is no deployment to recover here. esc goes back.")
            return
        self.context.ref = ref
        # a draft: written only when step 0 names the deployment (leaving before that leaves nothing behind)
        self.context.checklist = self.context.store.draft(
            ref.name, target_label=self.context.target_label, is_prod=ref.is_prod
        )
        self.enter_steps()

    def enter_steps(self) -> None:
        checklist = self.context.checklist
        assert checklist is not None
        self.mode = "steps"
        self.redraw_steps()
        self.select_step(checklist.current_step())
        self.query_one("#em-steps", OptionList).focus()
        if ops.needs_resume(checklist):
            self.resume_operations()
        else:
            self.refresh_live_state()

    def action_resume(self) -> None:
        if self.mode == "offer-resume" and self.offered is not None:
            self.context.checklist, self.offered = self.offered, None
            self.context.ref = self.context.ref_named(self.context.checklist.deployment)
            self.enter_steps()

    def action_new_checklist(self) -> None:
        if self.mode == "offer-resume":
            self.offered = None
            self.start_new()

    @work(exclusive=True, group="em-resume", exit_on_error=False)
    async def resume_operations(self) -> None:
        context = self.context
        checklist, ref = context.checklist, context.ref
        assert checklist is not None and ref is not None
        context.busy.add("resume")
        self.notify("Asking the server about the operation that was running when the app stopped.", title="Resuming")
        context.restore_lost = None
        try:
            said = await ops.resume(checklist, context.target, ref, self.show_progress)
        except Exception as exc:  # noqa: BLE001
            if (
                checklist.restore_import_id
                and checklist.steps[2].data.get("confirmed")
                and checklist.steps[2].status == "running"
            ):
                context.restore_lost = lost_restore.words(
                    ref.name, checklist.restore_import_id, fmt.error_text(exc), again="g on step 2 follows it again"
                )
                self.notify(context.restore_lost[0], title="Lost the running restore", severity="error", timeout=15)
            else:
                self.notify(fmt.error_text(exc), title="Could not follow the running operation", severity="error")
        else:
            if said:
                self.notify("; ".join(said), title="Resumed", timeout=12)
        finally:
            context.busy.discard("resume")
        self.after_change()
        self.refresh_live_state()

    def show_progress(self, progress: Progress) -> None:
        self.panel.show_progress(progress)

    @work(exclusive=True, group="em-pause-state", exit_on_error=False)
    async def refresh_live_state(self) -> None:
        context = self.context
        if context.ref is None or not context.pause_supported:
            return
        context.live_state = await checklist_pause.live_state(context.target, context.ref)
        self.redraw_steps()
        if self.selected in (0, 6):
            self.show_panel()
        self.refresh_bindings()  # p and u depend on the state just read

    # -- the steps' messages ------------------------------------------------------------------------------
    def _step_changed(self, select: int | None, live: bool, redraw_panel: bool) -> None:
        if select is not None:
            self.move_selection(select)
        if redraw_panel:
            self.after_change()
        else:
            self.redraw_steps()
            self.refresh_bindings()  # what runs now (the step's keys) depends on the checklist just changed
        if live:
            self.refresh_live_state()

    @on(StepPanel.FollowRunning)
    def _follow_running(self) -> None:
        self.resume_operations()

    # -- the step list and the selected step --------------------------------------------------------------
    @on(OptionList.OptionHighlighted, "#em-steps")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != event.option_list.highlighted:
            return  # a stale event from redrawing the list
        if event.option.id is not None and int(event.option.id) != self.selected:
            self.select_step(int(event.option.id))

    def select_step(self, number: int) -> None:
        self.selected = number
        steps = self.query_one("#em-steps", OptionList)
        if steps.highlighted != number:
            steps.highlighted = number
        self.prompt.hide()
        self.show_panel()

    def show_panel(self) -> None:
        checklist = self.context.checklist
        if checklist is None or self.mode != "steps":
            return
        number = self.selected
        panel = self.panel
        self.query_one(ContentSwitcher).current = panel.id
        state = checklist.steps[number]
        self.set_title(f"Step {number} · {state.status.upper()} · {STEP_TITLES[number]}")
        panel.show_table(None)
        panel.show_log(False)
        head = ""
        if state.outcome:
            head = f"Last outcome: {state.outcome}\n"
        if state.history:
            head += f"Earlier: {'; '.join(state.history[-2:])}\n"
        if number != 0 and not checklist.deployment_chosen:
            panel.say(
                head + "Choose the deployment first: step 0 (g on the deployment in trouble). Every step "
                "works on the deployment chosen there."
            )
        elif number in DESTRUCTIVE_STEPS and not checklist.destructive_allowed:
            panel.say(
                head + "Nothing that changes the deployment is offered before the safety backup.\n"
                "Go to step 1 and take it (g), or skip it there with a typed reason (s)."
            )
        else:
            panel.draw(head)
        self.refresh_bindings()  # the checklist (a plain object) decides which keys run: read again

    def redraw_steps(self) -> None:
        context = self.context
        checklist, ref = context.checklist, context.ref
        if checklist is None:
            return
        title = self.query_one("#em-title", Static)
        if not checklist.deployment_chosen:  # a draft: no deployment is the checklist's before step 0
            title.update("EMERGENCY RESTORE — step 0: choose the deployment in trouble")
            title.set_class(False, "-prod")
        else:
            words = f"{ref.name} ({ref.danger_label})" if ref else checklist.deployment
            if context.is_paused:
                words += " — PAUSED"
            title.update(f"EMERGENCY RESTORE — {words} — checklist {checklist.id}")
            title.set_class(bool(ref and ref.is_prod), "-prod")
        steps = self.query_one("#em-steps", OptionList)
        # The cursor stays where the operator left it: a key pressed just before this redraw has moved it while
        # its OptionHighlighted message still waits in the queue. That message (or the one the new highlight
        # posts) then selects the step and draws its panel.
        keep = steps.highlighted if steps.highlighted is not None else self.selected
        steps.clear_options()
        for number, state in enumerate(checklist.steps):
            # one line in the 30-column list at 80x24: a longer status ("rehearsed") takes a column of padding
            pad = min(13, 21 - len(state.status))
            steps.add_option(
                Option(f"{MARKS[state.status]} {number} {SHORT_TITLES[number]:<{pad}} {state.status}", id=str(number))
            )
        steps.highlighted = keep

    def move_selection(self, number: int) -> None:
        """Select step `number` (drawn by the next `after_change`)."""
        self.selected = number
        steps = self.query_one("#em-steps", OptionList)
        if number < steps.option_count:
            steps.highlighted = number

    def after_change(self) -> None:
        """The checklist changed: redraw the list and the selected step's panel."""
        self.redraw_steps()
        self.show_panel()

    # -- availability of keys -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("back", "focus_next"):
            return True
        if action in ("resume", "new_checklist"):
            return self.mode == "offer-resume"
        if action not in STEP_ACTIONS:
            return True
        checklist = self.context.checklist
        if self.mode != "steps" or checklist is None:
            return False
        panel = self.panel
        if action not in panel.ACTIONS:
            return False
        if self.selected != 0 and not checklist.deployment_chosen:
            return False
        if self.selected in DESTRUCTIVE_STEPS and not checklist.destructive_allowed and action != "skip_step":
            return False
        return panel.allows(action, parameters)

    # -- the keys every step has --------------------------------------------------------------------------
    def action_run_step(self) -> None:
        if self.mode == "steps" and self.check_action("run_step", ()):
            self.panel.run()

    def action_skip_step(self) -> None:
        number, checklist = self.selected, self.context.checklist
        if self.mode != "steps" or checklist is None or number in (0, 6):
            return
        if checklist.steps[number].status == "running":
            self.notify("This step is running; wait for it to end.", severity="warning")
            return

        def skip(reason: str) -> None:
            try:
                checklist.skip(number, reason)
            except ValueError as exc:
                self.notify(str(exc), severity="warning")
                self.prompt.ask(f"Why skip step {number}? (at least 8 characters)", skip)
                return
            self.after_change()

        self.prompt.ask(f"Why skip step {number} ({STEP_TITLES[number]})? Type a reason, enter to skip:", skip)

    def action_redo_step(self) -> None:
        checklist = self.context.checklist
        if checklist is None or self.panel.redo_first():
            return
        try:
            checklist.reset(self.selected)
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.after_change()

    def action_back(self) -> None:
        if self.prompt.asking:
            self.prompt.hide()
            self.query_one("#em-steps").focus()
            if self.selected == 0:  # the pause question replaced the list of deployments
                self.show_panel()
            return
        if self.mode == "steps" and self.panel.back():
            return
        self.dismiss(None)

    # -- the keys of one step: each runs on the step that offers it (check_action said it is selected) ------
    def action_pause(self) -> None:
        if self.selected == 0:
            self.deployment_step.action_pause()

    def action_unpause(self) -> None:
        if self.selected == 6:
            self.close_step.action_unpause()

    def action_download(self) -> None:
        self.safety_step.action_download()

    def action_safety_fresh(self) -> None:
        self.safety_step.action_safety_fresh()

    def action_safety_why(self, key: str) -> None:
        self.safety_step.action_safety_why(key)

    def action_safety_local(self) -> None:
        self.safety_step.action_safety_local()

    def action_safety_oldest(self) -> None:
        self.safety_step.action_safety_oldest()

    def action_safety_oldest_go(self) -> None:
        self.safety_step.action_safety_oldest_go()

    def action_safety_recent(self) -> None:
        self.safety_step.action_safety_recent()

    def action_inspect_backup(self) -> None:
        if self.selected == 2:
            self.restore_step.action_inspect_backup()

    def action_restore_documents(self) -> None:
        if self.selected == 2:
            self.restore_step.action_restore_documents()

    def action_project(self) -> None:
        self.code_step.action_project()

    def action_cancel_run(self) -> None:
        self.code_step.action_cancel_run()

    def action_mark_done_why(self) -> None:
        self.code_step.action_mark_done_why()

    def action_mark_done(self) -> None:
        (self.data_step if self.selected == 5 else self.code_step).action_mark_done()

    def action_toggle(self) -> None:  # type: ignore[override]  # the binding's action, not DOMNode's toggle
        if self.selected == 4:
            self.env_step.action_toggle()

    def action_reveal(self) -> None:
        self.env_step.action_reveal()

    def action_apply(self) -> None:
        self.env_step.action_apply()

    def action_open_file(self) -> None:
        self.env_step.action_open_file()

    def action_next_set(self) -> None:
        self.env_step.action_next_set()

    def action_edit_field(self) -> None:
        self.data_step.action_edit_field()

    def action_delete_doc(self) -> None:
        self.data_step.action_delete_doc()

    def action_insert_doc(self) -> None:
        self.data_step.action_insert_doc()

    def action_run_mutation(self) -> None:
        self.data_step.action_run_mutation()

    def action_up_level(self) -> None:
        self.data_step.action_up_level()

    def action_next_page(self) -> None:
        self.data_step.action_next_page()

    def action_previous_page(self) -> None:
        self.data_step.action_previous_page()
