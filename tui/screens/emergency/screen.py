"""`EmergencyScreen`: the emergency-restore checklist. Steps on the left (with their status in words),
the selected step's panel on the right. Each step's work runs in a worker through
`tui.services.checklist_ops`; the checklist is saved after every change, and a checklist left unfinished
is offered for resuming (a backup or restore that was running is followed again, never started twice).

    EmergencyScreen(target, store, deployment=None, incidents=folder)

Keys: g runs the selected step, s skips it (say why), x redoes it, tab moves between panes, esc backs out
(of a prompt, then of the screen; never quits). Step panels add their own keys (shown in the footer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Log, OptionList, Static

from tui.api.secrets import Secret
from tui.screens.emergency_code import CodeStepMixin
from tui.screens.emergency_data import DataStepMixin
from tui.screens.emergency_env import EnvStepMixin
from tui.screens.emergency_keys import EMERGENCY_BINDINGS, STEP_ACTIONS
from tui.screens.emergency_panel import PanelMixin, PanelText
from tui.screens.emergency_pause import PauseMixin
from tui.screens.emergency_prompt import PromptMixin
from tui.screens.emergency_restore import RestoreStepMixin
from tui.screens.emergency_safety import SafetyStepMixin
from tui.screens.emergency_steps import BasicStepsMixin
from tui.services import checklist_ops as ops
from tui.services import lost_restore
from tui.services.checklist import DESTRUCTIVE_STEPS, STEP_TITLES, Checklist, ChecklistStore
from tui.services.protocol import BackupTarget, DeploymentRef
from tui.widgets import formatting as fmt
from tui.widgets.marked_table import MarkedDataTable

STYLES = Path(__file__).parent.parent / "styles"


class EmergencyScreen(BasicStepsMixin, SafetyStepMixin, RestoreStepMixin, EnvStepMixin, CodeStepMixin, DataStepMixin, PauseMixin,
                      PanelMixin, PromptMixin, Screen[None]):
    CSS_PATH = [STYLES / "emergency.tcss"]
    BINDINGS = EMERGENCY_BINDINGS
    HELP = ("The emergency-restore checklist. Work down the steps: step 0 chooses the deployment every other "
            "step works on (nothing is saved before it), and nothing that changes the deployment is "
            "offered before the safety backup (step 1) is done or skipped with a reason. Every step can be "
            "redone; the checklist is saved after every change and can be resumed after a dropped connection.")

    def __init__(self, target: BackupTarget, store: ChecklistStore, deployment: str | None = None, *,
                 incidents: Path | None = None, checklist: Checklist | None = None,
                 deploy_command: str | None = None, deploy_key: Secret | None = None, project: Path | None = None,
                 clock: Callable[[], Any] = fmt.utc_now, download_folder: Path | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.download_folder = download_folder  # None: the Downloads folder
        self.target = target
        self.store = store
        self.wanted_name = deployment
        self.incidents = incidents or store.root.parent / "incidents"
        self.checklist: Checklist | None = checklist
        self.ref: DeploymentRef | None = None
        self.deployments: list[DeploymentRef] = []
        self.selected = 0
        self.mode = "loading"  # loading | offer-resume | steps
        self.offered: Checklist | None = None
        self._prompt: Callable[[str], Any] | None = None
        self.busy: set[str] = set()
        self.incident_path: Path | None = None
        self.restore_lost: tuple[str, str] | None = None  # (what happened, what to do) when following step 2 failed
        self.init_safety_step()
        self.init_restore_step()
        self.init_env_step()
        self.init_code_step(deploy_command, project, deploy_key)
        self.init_data_step()
        self.init_pause()

    # -- layout -------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("EMERGENCY RESTORE", id="em-title", markup=False)
        with Horizontal(id="em-body"):
            yield OptionList(id="em-steps")
            with Vertical(id="em-panel"):
                yield Static("", id="em-step-title", markup=False)
                with PanelText(id="em-text-scroll"):
                    yield Static("Loading…", id="em-text", markup=False)
                yield MarkedDataTable(id="em-table", cursor_type="row", zebra_stripes=True)
                yield Log(id="em-log", max_lines=2000)
                yield Static("", id="em-prompt-label", markup=False)
                yield Input(id="em-input")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#em-table").display = False
        self.query_one("#em-log").display = False
        self._hide_prompt()
        self.query_one("#em-steps", OptionList).border_title = "Steps"
        self.load()

    # -- start: deployment and checklist ------------------------------------------------------------------
    @work(exclusive=True, group="em-load", exit_on_error=False)
    async def load(self) -> None:
        try:
            self.deployments = await self.target.list_deployments()
            info = await self.target.info()
        except Exception as exc:  # noqa: BLE001
            self.say(f"Could not list the deployments: {fmt.error_text(exc)}\nesc goes back.")
            return
        self.target_label = info.label
        self.target_kind = info.kind
        self.pause_supported = await ops.supports_pause(self.target)
        if self.checklist is not None:
            self.ref = self._ref_named(self.checklist.deployment)
            self.enter_steps()
            return
        # the asked-for deployment's unfinished checklist first, else any (the main screen's line says E resumes
        # it); n starts a new one for the asked-for deployment either way
        reachable = [c for c in self.store.all() if not c.finished and self._ref_named(c.deployment) is not None]
        self.offered = next((c for c in reachable if c.deployment == self.wanted_name), None) or \
            next(iter(reachable), None)
        if self.offered is not None:
            self.mode = "offer-resume"
            step = self.offered.current_step()
            running = self.offered.running_operations()
            self.set_title(f"Unfinished checklist for {self.offered.deployment}")
            self.say(f"An unfinished checklist for {self.offered.deployment} was started by {self.offered.who} at "
                     f"{self.offered.created:%Y-%m-%d %H:%M} UTC; it stopped at step {step} "
                     f"({STEP_TITLES[step]}).\n"
                     + (f"Still running on the server: {', '.join(f'step {s} ({i})' for s, i in running)}; "
                        "resuming follows it, it is not started again.\n" if running else "")
                     + (f"Stopped inside the restore wizard: resuming asks {self.offered.deployment} what was "
                        "staged and cancels it (nothing unconfirmed is left to block a restore).\n"
                        if ops.interrupted_restore(self.offered) else "")
                     + "\nr resume it · n start a new checklist · esc back")
            self.refresh_bindings()
            return
        self.start_new()

    def _ref_named(self, name: str | None) -> DeploymentRef | None:
        return next((d for d in self.deployments if d.name == name), None)

    def _default_ref(self) -> DeploymentRef | None:
        return (self._ref_named(self.wanted_name) or next((d for d in self.deployments if d.is_prod), None)
                or (self.deployments[0] if self.deployments else None))

    def start_new(self) -> None:
        ref = self._default_ref()
        if ref is None:
            self.say("There is no deployment to recover here. esc goes back.")
            return
        self.ref = ref
        # a draft: written only when step 0 names the deployment (leaving before that leaves nothing behind)
        self.checklist = self.store.draft(ref.name, target_label=getattr(self, "target_label", ""),
                                          is_prod=ref.is_prod)
        self.enter_steps()

    def enter_steps(self) -> None:
        self.mode = "steps"
        self.redraw_steps()
        self.select_step(self.checklist.current_step())
        self.query_one("#em-steps", OptionList).focus()
        if ops.needs_resume(self.checklist):
            self.resume_operations()
        else:
            self.refresh_live_state()

    def action_resume(self) -> None:
        if self.mode == "offer-resume" and self.offered is not None:
            self.checklist, self.offered = self.offered, None
            self.ref = self._ref_named(self.checklist.deployment)
            self.enter_steps()

    def action_new_checklist(self) -> None:
        if self.mode == "offer-resume":
            self.offered = None
            self.start_new()

    @work(exclusive=True, group="em-resume", exit_on_error=False)
    async def resume_operations(self) -> None:
        self.busy.add("resume")
        self.notify("Asking the server about the operation that was running when the app stopped.",
                    title="Resuming")
        self.restore_lost = None
        try:
            said = await ops.resume(self.checklist, self.target, self.ref, self.show_progress)
        except Exception as exc:  # noqa: BLE001
            if self.checklist.restore_import_id and self.checklist.steps[2].data.get("confirmed") and \
                    self.checklist.steps[2].status == "running":
                self.restore_lost = lost_restore.words(self.ref.name, self.checklist.restore_import_id,
                                                       fmt.error_text(exc), again="g on step 2 follows it again")
                self.notify(self.restore_lost[0], title="Lost the running restore", severity="error", timeout=15)
            else:
                self.notify(fmt.error_text(exc), title="Could not follow the running operation", severity="error")
        else:
            if said:
                self.notify("; ".join(said), title="Resumed", timeout=12)
        finally:
            self.busy.discard("resume")
        self.after_change()
        self.refresh_live_state()

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
        self._hide_prompt()
        self.show_panel()

    def show_panel(self) -> None:
        if self.checklist is None or self.mode != "steps":
            return
        number = self.selected
        state = self.checklist.steps[number]
        self.set_title(f"Step {number} · {state.status.upper()} · {STEP_TITLES[number]}")
        self.show_table(None)
        self.show_log(False)
        head = ""
        if state.outcome:
            head = f"Last outcome: {state.outcome}\n"
        if state.history:
            head += f"Earlier: {'; '.join(state.history[-2:])}\n"
        if number != 0 and not self.checklist.deployment_chosen:
            self.say(head + "Choose the deployment first: step 0 (g on the deployment in trouble). Every step "
                     "works on the deployment chosen there.")
        elif number in DESTRUCTIVE_STEPS and not self.checklist.destructive_allowed:
            self.say(head + "Nothing that changes the deployment is offered before the safety backup.\n"
                     "Go to step 1 and take it (g), or skip it there with a typed reason (s).")
        else:
            getattr(self, f"panel_{number}")(head)
        self.refresh_bindings()

    # -- availability of keys -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("back", "focus_next"):
            return True
        if action in ("resume", "new_checklist"):
            return self.mode == "offer-resume"
        offered = {a for acts in STEP_ACTIONS.values() for a in acts}
        if action not in offered:
            return True
        if self.mode != "steps" or self.checklist is None:
            return False
        if action not in STEP_ACTIONS[self.selected]:
            return False
        if self.selected != 0 and not self.checklist.deployment_chosen:
            return False
        if self.selected in DESTRUCTIVE_STEPS and not self.checklist.destructive_allowed and \
                action not in ("skip_step",):
            return False
        if self.selected == 5:
            return self.data_action_ok(action)
        if self.selected == 1:
            return self.safety_action_ok(action, parameters)
        if self.selected == 3 and action in ("mark_done", "mark_done_why"):
            return (action == "mark_done_why") == self.on_sandbox  # the sandbox runs no code: m says why
        return self.pause_action_ok(action)

    # -- shared actions -----------------------------------------------------------------------------------
    def action_run_step(self) -> None:
        if self.mode == "steps" and self.check_action("run_step", ()):
            getattr(self, f"run_{self.selected}")()

    def action_skip_step(self) -> None:
        number = self.selected
        if self.mode != "steps" or number in (0, 6):
            return
        if self.checklist.steps[number].status == "running":
            self.notify("This step is running; wait for it to end.", severity="warning")
            return

        def skip(reason: str) -> None:
            try:
                self.checklist.skip(number, reason)
            except ValueError as exc:
                self.notify(str(exc), severity="warning")
                self.ask(f"Why skip step {number}? (at least 8 characters)", skip)
                return
            self.after_change()

        self.ask(f"Why skip step {number} ({STEP_TITLES[number]})? Type a reason, enter to skip:", skip)

    def action_redo_step(self) -> None:
        number = self.selected
        if number == 2 and ops.interrupted_restore(self.checklist) and self.wizard is None and \
                "resume" not in self.busy:
            # a restore left staged would refuse the next one: find and cancel it first, then say what happened
            self.notify("First asking the server what the stopped restore left behind.", title="Redo")
            self.resume_operations()
            return
        try:
            self.checklist.reset(number)
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.after_change()

    def action_back(self) -> None:
        if self.query_one("#em-input", Input).display:
            self._hide_prompt()
            self.query_one("#em-steps").focus()
            if self.selected == 0:  # the pause question replaced the list of deployments
                self.show_panel()
            return
        if self.back_within_step():
            return
        self.dismiss(None)

    def back_within_step(self) -> bool:
        return self.data_back() if self.selected == 5 else self.safety_back()

    @on(Input.Submitted, "#em-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.prompt_submitted(event.value)
