"""Step 6 of the checklist: close it, with a summary of every step, and write the Markdown incident log;
u first unpauses a deployment left paused (after its name is typed; closing while paused is allowed and
the log says so)."""

from __future__ import annotations

from pathlib import Path

from textual import work

from tui.screens.emergency.panel import StepPanel
from tui.services.checklist import pause as checklist_pause
from tui.services.checklist import incident_log
from tui.widgets import formatting as fmt


class CloseStep(StepPanel):
    NUMBER = 6
    ACTIONS = frozenset({"run_step", "unpause"})

    incident_path: Path | None = None  # once written

    def draw(self, head: str) -> None:
        lines = incident_log.summary_lines(self.checklist)
        where = (
            f"\nIncident log: {self.incident_path}"
            if self.incident_path
            else "\ng: close the checklist and write the Markdown incident log"
        )
        self.say(head + self.context.pause_lines_step6() + "\n".join(lines) + where)

    def run(self) -> None:
        checklist = self.checklist
        checklist.start(6)
        checklist_pause.left_paused(checklist)
        checklist.close()
        path = incident_log.write(checklist, self.context.incidents)
        self.incident_path = path
        checklist.done(6, f"incident log written to {path}", log=str(path))
        incident_log.write(checklist, self.context.incidents)  # again, with step 6 itself done
        self.notify(str(path), title="Incident log written", timeout=15)
        self.changed()

    def allows(self, action: str, parameters: tuple[object, ...]) -> bool:
        if action == "unpause":
            return self.context.pause_supported and self.context.is_paused
        return True

    def action_unpause(self) -> None:
        if not self.allows("unpause", ()):
            return
        self.confirm_typed(f"Unpause {self.ref.name}? Its app serves its users again.", self.unpause_worker)

    @work(exclusive=True, group="em-pause", exit_on_error=False)
    async def unpause_worker(self) -> None:
        try:
            self.context.live_state = await checklist_pause.unpause(self.checklist, self.target, self.ref)
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Still paused", severity="error", timeout=12)
        else:
            self.notify(f"{self.ref.name} serves its users again.", title="Unpaused")
        self.changed()
