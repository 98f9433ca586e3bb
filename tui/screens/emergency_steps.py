"""Steps 0 (choose the deployment and say what is touched), 1 (the safety backup, followed to the end, its
env vars saved beside it, offered for download) and 6 (close: summary and the Markdown incident log) of
`EmergencyScreen`, as a mixin."""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.widgets import DataTable

from tui.services import checklist_ops as ops
from tui.services import checklist_pause
from tui.services import incident_log
from tui.services.protocol import Progress
from tui.widgets import formatting as fmt


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

    # -- step 1 -------------------------------------------------------------------------------------------
    def panel_1(self, head: str) -> None:
        state = self.checklist.steps[1]
        text = head + ("Take a backup of the deployment as it is now, with file storage, and save its environment "
                       "variables beside it. Restores are destructive: this is the way back.\n")
        if state.status == "done" and self.checklist.safety_backup_id:
            text += (f"\nSafety backup: {self.checklist.safety_backup_id}; env vars saved as "
                     f"{state.data.get('env_snapshot') or 'NOT SAVED'}.\n")
            if state.data.get("downloaded"):
                text += f"Downloaded to {state.data['downloaded']} (sha256 {state.data.get('sha256', '')[:12]}…)."
            else:
                text += ("w downloads it (verified) to your Downloads folder, or from a shell:\n  "
                         + ops.download_command(self.ref, self.checklist.safety_backup_id))
        elif state.status == "running":
            text += "\nRunning… (followed live)"
        else:
            text += "\ng take the safety backup · s skip it (you must say why)"
        self.say(text)

    def run_1(self) -> None:
        if "safety" in self.busy:
            return
        self.safety_backup_worker()

    @work(exclusive=True, group="em-safety", exit_on_error=False)
    async def safety_backup_worker(self) -> None:
        self.busy.add("safety")
        self.redraw_steps()
        try:
            record = await ops.safety_backup(self.checklist, self.target, self.ref, self._progress_for(1))
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Safety backup failed", severity="error", timeout=12)
        else:
            self.notify(f"Backup {record.id}: {record.state}.", title="Safety backup")
        finally:
            self.busy.discard("safety")
        self.after_change()

    def _progress_for(self, number: int) -> Callable[[Progress], None]:
        def show(progress: Progress) -> None:
            if self.selected == number:
                self.show_progress(progress)
        return show

    def action_download(self) -> None:
        backup_id = self.checklist.safety_backup_id if self.checklist else None
        if not backup_id or self.checklist.steps[1].status != "done":
            self.notify("No complete safety backup yet.", severity="warning")
            return
        if "download" not in self.busy:
            self.download_worker(backup_id)

    @work(exclusive=True, group="em-download", exit_on_error=False)
    async def download_worker(self, backup_id: str) -> None:
        """Download the safety backup (verified) to the Downloads folder; the headless command if not."""
        command = ops.download_command(self.ref, backup_id)
        self.busy.add("download")
        try:
            def show(progress) -> None:
                if self.selected == 1:
                    total = f" of {progress.total:,}" if progress.total else ""
                    self.say(f"Downloading backup {backup_id}: {progress.phase} {progress.done:,}{total} bytes")

            result = await self.target.download_backup(self.ref, backup_id, folder=self.download_folder,
                                                       progress=show)
        except Exception as exc:  # noqa: BLE001
            self.say(f"The download did not finish: {fmt.error_text(exc)}\nRun it from a shell instead (it "
                     f"resumes where it stopped):\n\n  {command}")
            return
        finally:
            self.busy.discard("download")
        self.checklist.record(1, downloaded=str(result.path), sha256=result.sha256)
        self.notify(str(result.path), title="Safety backup downloaded", timeout=15)
        self.after_change()

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
