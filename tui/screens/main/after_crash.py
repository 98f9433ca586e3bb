"""What the main screen shows after a crash or a dropped SSH session: a deployment found paused is marked
PAUSED in words (its tree row, the detail pane, the line under the header), and an unfinished emergency
checklist is a line that names the key resuming it (E). The state is asked of the server (pausing lives
there, not in this app), for the selected deployment and for those of unfinished checklists only: reading
it costs a deployment credential each."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from textual import work
from textual.widgets import Static

from tui.messages import EmergencyFacts
from tui.services.config.settings import HOME_VARIABLE, Homes
from tui.services.protocol import DeploymentRef
from tui.widgets.deployment_tree import DeploymentTree
from tui.widgets.detail_pane import DetailPane

from tui.screens.main.parts import MainScreenParts

if TYPE_CHECKING:  # read once the first screen is complete (`load_emergency_facts`): not before it
    from tui.services.checklist.state import Checklist, ChecklistStore


class EmergencyFactsMixin(MainScreenParts):
    """Mixed into `MainScreen` (which provides `current`, `deployments` and `target`)."""

    def init_emergency_facts(self) -> None:
        self.unfinished: list[Checklist] = []
        self.paused: dict[str, bool] = {}  # deployment name -> paused, as last read from the server

    def checklist_store(self) -> ChecklistStore | None:
        """The data folder's checklists: the session's, or `$CONVEX_BACKUPS_HOME`'s. An app opened on a bare
        target (tests, scripts) without either reads none, rather than the user's own folder."""
        from tui.services.checklist.state import ChecklistStore

        session = self.app.session
        homes = session.homes if session is not None else None
        if homes is None and HOME_VARIABLE in os.environ:
            homes = Homes.from_environ()
        return ChecklistStore.in_data_dir(homes.data_dir) if homes is not None else None

    @work(exclusive=True, group="emergency-facts", exit_on_error=False)
    async def load_emergency_facts(self, also: DeploymentRef | None = None) -> None:
        """Unfinished checklists from the data folder, and the pause state of their deployments (and of
        `also`, the selected one)."""
        from tui.services.checklist import pause as checklist_pause

        store = self.checklist_store()
        try:
            unfinished = [c for c in store.all() if not c.finished] if store is not None else []
        except OSError:
            unfinished = []
        by_name = {d.name: d for d in self.deployments}
        unfinished = [c for c in unfinished if c.deployment in by_name]  # this target's deployments only
        asked = {c.deployment for c in unfinished}
        if also is not None:
            asked.add(also.name)
        paused = {}
        for name in sorted(asked):
            ref = by_name.get(name) or also
            assert ref is not None  # every name asked is a known deployment's or `also`'s
            state = await checklist_pause.live_state(self.connected_target, ref)
            if state is not None:
                paused[name] = state.paused
        self.post_message(EmergencyFacts(unfinished, paused))

    def on_emergency_facts(self, message: EmergencyFacts) -> None:
        self.unfinished = message.unfinished
        self.paused.update(message.paused)
        self.query_one(DeploymentTree).set_paused({n for n, p in self.paused.items() if p})
        if self.current is not None and self.current.name in message.paused:
            self.query_one(DetailPane).show(paused=message.paused[self.current.name])
        self.draw_emergency_line()

    def draw_emergency_line(self) -> None:
        """One line (two at 80 columns) for the newest unfinished checklist, or for a paused deployment."""
        line = self.query_one("#emergency-line", Static)
        text = ""
        checklist = self.unfinished[0] if self.unfinished else None
        if checklist is not None:
            from tui.services.checklist.state import STEP_TITLES

            step = checklist.current_step()
            state = " — PAUSED" if self.paused.get(checklist.deployment) else ""
            more = f" (and {len(self.unfinished) - 1} more)" if len(self.unfinished) > 1 else ""
            text = (
                f"Unfinished emergency checklist{more}: {checklist.deployment}"
                f"{' (PRODUCTION)' if checklist.is_prod else ''}{state}, stopped at step {step} "
                f"{STEP_TITLES[step]} — E resumes it"
            )
        else:
            names = sorted(n for n, p in self.paused.items() if p)
            if names:
                text = f"PAUSED: {', '.join(names)} — its app refuses every user until unpaused (E: the checklist)"
        line.update(text)
        line.display = bool(text)
