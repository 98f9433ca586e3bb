"""Step 0 of the checklist: choose the deployment in trouble (g on the highlighted row) and say what the
checklist touches; p chooses it and pauses it first, after its name is typed. What pausing does and does
not stop is said before asking; every request and outcome goes into the checklist (saved at once) and
from there into the incident log. Nothing is saved before this step names the deployment."""

from __future__ import annotations

from textual import work
from textual.widgets import DataTable

from tui.screens.emergency.panel import StepPanel
from tui.services.checklist import operations as ops
from tui.services.checklist import pause as checklist_pause
from tui.services.protocol import DeploymentRef
from tui.widgets import formatting as fmt


class DeploymentStep(StepPanel):
    NUMBER = 0
    ACTIONS = frozenset({"run_step", "pause"})

    def draw(self, head: str) -> None:
        context = self.context
        ref = context.ref
        table = self.show_table(["Deployment", "Kind", "Project"])
        for d in context.deployments:
            table.add_row(d.name, d.danger_label, d.project, key=d.name)
        if ref is not None and ref.name in {d.name for d in context.deployments}:
            table.move_cursor(row=[d.name for d in context.deployments].index(ref.name))
        scope = ops.scope_text(ref, pause_supported=context.pause_supported) if ref else ""
        # the keys first: the scope below may need scrolling on a small terminal
        self.say(
            head
            + "g: this is the deployment in trouble (the highlighted row; tab to the list to change it)"
            + context.pause_lines_step0()
            + "\n\n"
            + scope
        )

    def highlighted_ref(self) -> DeploymentRef | None:
        table = self.query_one("#em-table", DataTable)
        name = self.context.ref.name if self.context.ref else None
        if table.display and table.row_count:
            name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return self.context.ref_named(name)

    def run(self) -> None:
        ref = self.highlighted_ref()
        if ref is not None and self.choose_deployment(ref):
            self.changed(select=1, live=True)

    def choose_deployment(self, ref: DeploymentRef) -> bool:
        """Step 0 done with `ref` (again, if it already was). False when the checklist is bound elsewhere."""
        context, checklist = self.context, self.checklist
        try:  # the checklist's id, file and incident log carry this deployment from now on
            checklist.bind(ref.name, is_prod=ref.is_prod)
        except ValueError:
            self.notify(
                f"This checklist already did work on {checklist.deployment}; leave it (esc) and "
                "start a new one from the main screen's E.",
                severity="warning",
            )
            return False
        if context.ref is None or ref.name != context.ref.name:
            context.live_state = None
        context.ref = ref
        checklist.start(0)
        checklist.done(
            0,
            f"{ref.name} ({ref.danger_label}) chosen; pause "
            + ("available" if context.pause_supported else "not supported by this target"),
            deployment=ref.name,
            pause="supported" if context.pause_supported else "not supported",
        )
        return True

    def allows(self, action: str, parameters: tuple[object, ...]) -> bool:
        if action == "pause":
            return self.context.pause_supported and not self.context.is_paused
        return True

    def action_pause(self) -> None:
        if not self.allows("pause", ()):
            return
        ref = self.highlighted_ref()
        if ref is None:
            return
        self.set_title(f"Step 0 · PAUSE {ref.name}?")
        self.show_table(None)  # the whole panel for what pausing does (esc draws step 0 again)
        self.say(
            f"Pause {ref.name} ({ref.danger_label}) before anything else?\n"
            f"{checklist_pause.WHAT_PAUSING_DOES}\nStep 6 offers to unpause it."
        )

        def confirmed() -> None:
            if self.choose_deployment(ref):
                self.changed(select=1, live=True)  # as after g: on to the safety backup
                self.pause_worker()

        self.confirm_typed(
            f"Pause {ref.name}? Its users get errors until it is unpaused.",
            confirmed,
            ref.name,
            refused=lambda: self.changed(),
        )

    @work(exclusive=True, group="em-pause", exit_on_error=False)
    async def pause_worker(self) -> None:
        try:
            self.context.live_state = await checklist_pause.pause(self.checklist, self.target, self.ref)
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Not paused", severity="error", timeout=12)
        else:
            self.notify(f"{self.ref.name} is paused. Step 6 offers to unpause it.", title="Paused")
        self.changed()
