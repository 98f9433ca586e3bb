"""Step 4 of the checklist, environment variables: compare the live set with the set saved at the restored
backup (c cycles through the saved sets; o compares a file in `npx convex env list` format), show added,
removed and changed names with values masked (v reveals), choose with space, apply with a typed
confirmation."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.widgets import DataTable

from tui.services.secrets import mask
from tui.screens.emergency.context import ChecklistContext
from tui.screens.emergency.panel import StepPanel
from tui.services.checklist import operations as ops
from tui.services.protocol import EnvSnapshot
from tui.widgets import formatting as fmt


class EnvStep(StepPanel):
    NUMBER = 4
    ACTIONS = frozenset({"run_step", "skip_step", "redo_step", "toggle", "reveal", "apply", "open_file", "next_set"})

    def __init__(self, context: ChecklistContext) -> None:
        super().__init__(context)
        self.env_saved: list[EnvSnapshot] = []
        self.env_saved_id: str | None = None
        self.env_file: Path | None = None
        self.comparison: ops.EnvComparison | None = None
        self.env_chosen: set[str] = set()
        self.revealed = False

    def draw(self, head: str) -> None:
        self.say(head + "Comparing…")
        self.compare_env_worker()

    @work(exclusive=True, group="em-env", exit_on_error=False)
    async def compare_env_worker(self) -> None:
        try:
            self.env_saved = await self.target.env_saved(self.ref)
            if self.env_file is None and self.env_saved_id is None:
                wanted = ops.saved_for_backup(self.env_saved, self.checklist.restore_backup_id)
                self.env_saved_id = (
                    wanted or (self.env_saved[0] if self.env_saved else None) or EnvSnapshot("", fmt.utc_now(), {})
                ).id
            if self.env_file is None and self.env_saved_id is None:
                self.say(
                    "No saved set of environment variables for this deployment. o compares a file in "
                    "`npx convex env list` format; s skips this step."
                )
                return
            self.comparison = await ops.compare_env(
                self.target, self.ref, saved_id=self.env_saved_id, file=self.env_file
            )
        except Exception as exc:  # noqa: BLE001
            self.say(f"Could not compare: {fmt.error_text(exc)}")
            return
        self.env_chosen = {name for name, _ in self.comparison.differences}
        if self.is_current:
            self.draw_env()

    def draw_env(self) -> None:
        comparison = self.comparison
        if comparison is None:
            return
        table = self.show_table(["Apply", "Name", "Change", "Live", "Wanted"])
        for name, kind in comparison.differences:
            live, wanted = comparison.live.get(name), comparison.wanted.get(name)
            show = (lambda v: "—" if v is None else v) if self.revealed else (lambda v: "—" if v is None else mask(v))
            table.add_row("yes" if name in self.env_chosen else "no", name, kind, show(live), show(wanted), key=name)
        state = self.checklist.steps[4]
        head = f"Last outcome: {state.outcome}\n" if state.outcome else ""
        if not comparison.differences:
            self.say(head + f"The live set equals {comparison.source}. Nothing to apply.")
            return
        self.say(
            head + f"Live versus {comparison.source}: {len(comparison.added)} added, {len(comparison.removed)} "
            f"removed, {len(comparison.changed)} changed (values {'SHOWN' if self.revealed else 'masked'}).\n"
            "space choose · a apply the chosen · v reveal · c next saved set · o a file"
        )

    def action_toggle(self) -> None:  # type: ignore[override]  # space on the table, not DOMNode's toggle
        table = self.query_one("#em-table", DataTable)
        if self.comparison is None or not table.row_count:
            return
        row = table.cursor_coordinate.row
        name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.env_chosen ^= {name}
        self.draw_env()
        table.move_cursor(row=row)

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self.draw_env()

    def action_next_set(self) -> None:
        if not self.env_saved:
            return
        ids = [s.id for s in self.env_saved]
        index = ids.index(self.env_saved_id) + 1 if self.env_saved_id in ids else 0
        self.env_saved_id, self.env_file = ids[index % len(ids)], None
        self.compare_env_worker()

    def action_open_file(self) -> None:
        def chosen(value: str) -> None:
            path = Path(value.strip()).expanduser()
            if not path.is_file():
                self.notify(f"No file at {path}.", severity="warning")
                return
            self.env_file = path
            self.compare_env_worker()

        self.ask("A file in `npx convex env list` format (NAME=value lines):", chosen)

    def action_apply(self) -> None:
        if self.comparison is None or not self.env_chosen:
            self.notify("Nothing chosen to apply.", severity="warning")
            return
        count = len(self.env_chosen)
        self.confirm_typed(
            f"Apply {count} environment variable change(s) to {self.ref.name} from {self.comparison.source}?",
            self.apply_env_worker,
        )

    @work(exclusive=True, group="em-env-apply", exit_on_error=False)
    async def apply_env_worker(self) -> None:
        assert self.comparison is not None, "a comparison is shown before it is applied"
        try:
            applied = await ops.apply_env(self.checklist, self.target, self.ref, self.comparison, self.env_chosen)
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Could not apply", severity="error", timeout=12)
        else:
            self.notify(", ".join(f"{len(v)} {k}" for k, v in applied.items()), title="Environment variables")
        self.changed()

    def run(self) -> None:
        self.action_apply()
