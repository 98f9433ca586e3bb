"""Pausing from the checklist: p at step 0 chooses the highlighted deployment and pauses it (after its name
is typed), u at step 6 unpauses it. What pausing does and does not stop is said before asking. Every
request and outcome goes into the checklist (saved at once) and from there into the incident log."""

from __future__ import annotations

from datetime import datetime

from textual import work

from tui.services import checklist_pause
from tui.services.protocol import DeploymentRef
from tui.widgets import formatting as fmt


class PauseMixin:
    def init_pause(self) -> None:
        self.live_state = None  # DeploymentState read from the server, None until read (or unreadable)

    @property
    def is_paused(self) -> bool:
        if self.live_state is not None:
            return self.live_state.paused
        return bool(self.checklist and self.checklist.paused)

    def pause_action_ok(self, action: str) -> bool:
        if action == "pause":
            return bool(getattr(self, "pause_supported", False)) and not self.is_paused
        if action == "unpause":
            return bool(getattr(self, "pause_supported", False)) and self.is_paused
        return True

    @work(exclusive=True, group="em-pause-state", exit_on_error=False)
    async def refresh_live_state(self) -> None:
        if self.ref is None or not getattr(self, "pause_supported", False):
            return
        self.live_state = await checklist_pause.live_state(self.target, self.ref)
        self.redraw_steps()
        if self.selected in (0, 6):
            self.show_panel()
        self.refresh_bindings()

    # -- what the panels say ------------------------------------------------------------------------------
    def _since(self) -> str:
        events = [e for e in self.checklist.pause_events if e["action"] in ("paused", "found paused")]
        if not events:
            return ""
        at = datetime.fromisoformat(events[-1]["at"])
        return f" since {at:%H:%M} UTC, by {events[-1].get('who') or '?'}"

    def pause_lines_step0(self) -> str:
        if not getattr(self, "pause_supported", False):
            return ""
        if self.is_paused:
            return f"\n{self.ref.name if self.ref else 'The deployment'} is PAUSED{self._since()}; step 6 unpauses it."
        return "\np: choose the highlighted deployment and pause it first (you type its name to confirm)"

    def paused_note_step5(self) -> str:
        if not self.is_paused:
            return ""
        return ("The deployment is PAUSED: the edits here (e, d, i) work, but a user fix-up mutation cannot run "
                "until it is unpaused (step 6, u).\n")

    def pause_lines_step6(self) -> str:
        if not getattr(self, "pause_supported", False):
            return ""
        if self.is_paused:  # first: the one thing to decide before closing
            return (f"The deployment is still PAUSED{self._since()}: its app refuses every user. u unpauses it "
                    "(you type its name). Closing (g) while paused is allowed; the log says it was left paused.\n\n")
        return ""

    # -- actions --------------------------------------------------------------------------------------------
    def action_pause(self) -> None:
        if self.selected != 0 or not self.pause_action_ok("pause"):
            return
        ref = self.highlighted_ref()
        if ref is None:
            return
        self.set_title(f"Step 0 · PAUSE {ref.name}?")
        self.show_table(None)  # the whole panel for what pausing does (esc draws step 0 again)
        self.say(f"Pause {ref.name} ({ref.danger_label}) before anything else?\n"
                 f"{checklist_pause.WHAT_PAUSING_DOES}\nStep 6 offers to unpause it.")

        def confirmed() -> None:
            if self.choose_deployment(ref):
                self.move_selection(1)  # as after g: on to the safety backup
                self.pause_worker()

        self.confirm_typed(f"Pause {ref.name}? Its users get errors until it is unpaused.", confirmed, ref.name,
                           refused=self.show_panel)

    def action_unpause(self) -> None:
        if self.selected != 6 or not self.pause_action_ok("unpause"):
            return
        ref: DeploymentRef = self.ref
        self.confirm_typed(f"Unpause {ref.name}? Its app serves its users again.", self.unpause_worker)

    @work(exclusive=True, group="em-pause", exit_on_error=False)
    async def pause_worker(self) -> None:
        try:
            self.live_state = await checklist_pause.pause(self.checklist, self.target, self.ref)
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Not paused", severity="error", timeout=12)
        else:
            self.notify(f"{self.ref.name} is paused. Step 6 offers to unpause it.", title="Paused")
        self.after_change()

    @work(exclusive=True, group="em-pause", exit_on_error=False)
    async def unpause_worker(self) -> None:
        try:
            self.live_state = await checklist_pause.unpause(self.checklist, self.target, self.ref)
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Still paused", severity="error", timeout=12)
        else:
            self.notify(f"{self.ref.name} serves its users again.", title="Unpaused")
        self.after_change()
