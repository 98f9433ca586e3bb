"""Steps 0 (choose the deployment and say what is touched) and 6 (close: summary and the Markdown incident
log) of `EmergencyScreen`, as a mixin (step 1 is `emergency_safety`)."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.services import checklist_ops as ops
from tui.services import checklist_pause
from tui.services import incident_log


class BasicStepsMixin:
    # -- step 0 -------------------------------------------------------------------------------------------
    def panel_0(self, head: str) -> None:
        ref = self.ref
        table = self.show_table(["Deployment", "Kind", "Project"])
        for d in self.deployments:
            table.add_row(d.name, d.danger_label, d.project, key=d.name)
        if ref is not None and ref.name in {d.name for d in self.deployments}:
            table.move_cursor(row=[d.name for d in self.deployments].index(ref.name))
        scope = ops.scope_text(ref, pause_supported=getattr(self, "pause_supported", False)) if ref else ""
        # the keys first: the scope below may need scrolling on a small terminal
        self.say(head + "g: this is the deployment in trouble (the highlighted row; tab to the list to change it)"
                 + self.pause_lines_step0() + "\n\n" + scope)

    def highlighted_ref(self):
        table = self.query_one("#em-table", DataTable)
        name = self.ref.name if self.ref else None
        if table.display and table.row_count:
            name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return self._ref_named(name)

    def run_0(self) -> None:
        ref = self.highlighted_ref()
        if ref is not None and self.choose_deployment(ref):
            self.move_selection(1)
            self.after_change()

    def choose_deployment(self, ref) -> bool:
        """Step 0 done with `ref` (again, if it already was). False when the checklist is bound elsewhere."""
        try:  # the checklist's id, file and incident log carry this deployment from now on
            self.checklist.bind(ref.name, is_prod=ref.is_prod)
        except ValueError:
            self.notify(f"This checklist already did work on {self.checklist.deployment}; leave it (esc) and "
                        "start a new one from the main screen's E.", severity="warning")
            return False
        if self.ref is None or ref.name != self.ref.name:
            self.live_state = None
        self.ref = ref
        self.checklist.start(0)
        self.checklist.done(0, f"{ref.name} ({ref.danger_label}) chosen; pause "
                               + ("available" if self.pause_supported else "not supported by this target"),
                            deployment=ref.name, pause="supported" if self.pause_supported else "not supported")
        self.refresh_live_state()
        return True

    # -- step 6 -------------------------------------------------------------------------------------------
    def panel_6(self, head: str) -> None:
        lines = incident_log.summary_lines(self.checklist)
        where = f"\nIncident log: {self.incident_path}" if self.incident_path else \
            "\ng: close the checklist and write the Markdown incident log"
        self.say(head + self.pause_lines_step6() + "\n".join(lines) + where)

    def run_6(self) -> None:
        self.checklist.start(6)
        checklist_pause.left_paused(self.checklist)
        self.checklist.close()
        path = incident_log.write(self.checklist, self.incidents)
        self.incident_path = path
        self.checklist.done(6, f"incident log written to {path}", log=str(path))
        incident_log.write(self.checklist, self.incidents)  # again, with step 6 itself done
        self.notify(str(path), title="Incident log written", timeout=15)
        self.after_change()
