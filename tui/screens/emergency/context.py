"""What every step of the checklist works on, held once by `EmergencyScreen` and handed to each step
widget: the target, the checklist and the deployment it recovers, work still running, and the deployment's
pause state as last read from the server (pausing lives there, not in this app). The pause is said in
words on steps 0, 5 and 6 and in the title, so its wording lives here too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from tui.services.checklist.state import Checklist, ChecklistStore
from tui.services.protocol import BackupTarget, DeploymentRef, DeploymentState


def _nobody(select: int | None, live: bool, redraw_panel: bool) -> None:
    """Before the screen listens (a step is never asked to draw then)."""


@dataclass
class ChecklistContext:
    target: BackupTarget
    store: ChecklistStore
    incidents: Path  # where step 6 writes the Markdown incident log
    clock: Callable[[], Any]
    download_folder: Path | None = None  # None: the Downloads folder
    checklist: Checklist | None = None  # None until loaded, or a draft until step 0 names the deployment
    ref: DeploymentRef | None = None  # the deployment the checklist recovers
    deployments: list[DeploymentRef] = field(default_factory=list)
    target_label: str = ""
    target_kind: str | None = None
    pause_supported: bool = False
    live_state: DeploymentState | None = None  # read from the server, None until read (or unreadable)
    busy: set[str] = field(default_factory=set)  # "resume", "safety", "download" while they run
    restore_lost: tuple[str, str] | None = None  # (what happened, what to do) when following step 2 failed
    # what a step calls when the checklist changed: (select this step, read the pause again, redraw the panel)
    on_change: Callable[[int | None, bool, bool], None] = field(default=_nobody, repr=False)

    def ref_named(self, name: str | None) -> DeploymentRef | None:
        return next((d for d in self.deployments if d.name == name), None)

    @property
    def on_sandbox(self) -> bool:
        return self.target_kind == "sandbox"

    @property
    def is_paused(self) -> bool:
        if self.live_state is not None:
            return self.live_state.paused
        return bool(self.checklist and self.checklist.paused)

    # -- the pause in words ---------------------------------------------------------------------------------
    def _since(self) -> str:
        events = (
            [e for e in self.checklist.pause_events if e["action"] in ("paused", "found paused")]
            if self.checklist
            else []
        )
        if not events:
            return ""
        at = datetime.fromisoformat(events[-1]["at"])
        return f" since {at:%H:%M} UTC, by {events[-1].get('who') or '?'}"

    def pause_lines_step0(self) -> str:
        if not self.pause_supported:
            return ""
        if self.is_paused:
            return f"\n{self.ref.name if self.ref else 'The deployment'} is PAUSED{self._since()}; step 6 unpauses it."
        return "\np: choose the highlighted deployment and pause it first (you type its name to confirm)"

    def paused_note_step5(self) -> str:
        if not self.is_paused:
            return ""
        return (
            "The deployment is PAUSED: the edits here (e, d, i) work, but a user fix-up mutation cannot run "
            "until it is unpaused (step 6, u).\n"
        )

    def pause_lines_step6(self) -> str:
        if not self.pause_supported:
            return ""
        if self.is_paused:  # first: the one thing to decide before closing
            return (
                f"The deployment is still PAUSED{self._since()}: its app refuses every user. u unpauses it "
                "(you type its name). Closing (g) while paused is allowed; the log says it was left paused.\n\n"
            )
        return ""
