"""Environment variables of one deployment: names and masked values (never the values themselves), the
saved sets, the difference between the live set and a saved one, and a restore with confirmation."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from tui.screens.dialogs.confirm import ConfirmDialog
from tui.services.errors import ReadOnlyRefused
from tui.services.protocol import BackupTarget, DeploymentRef, EnvDiff, EnvSnapshot
from tui.widgets import formatting as fmt
from tui.widgets.marked_table import MarkedDataTable
from tui.widgets.key_bar import KeyBar


class EnvVarsScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="env_back"),
        Binding("s", "save", "Save current set", id="env_save"),
        Binding("r", "restore", "Restore saved set", id="env_restore"),
        Binding("f5", "reload", "Reload", id="env_reload", show=False),
    ]
    HELP = (
        "Values are always masked. Choose a saved set on the right to compare it with the live set; "
        "r makes the live set equal to it after you confirm with y."
    )

    def __init__(self, target: BackupTarget, deployment: DeploymentRef) -> None:
        super().__init__()
        self.target = target
        self.deployment = deployment
        self.live: EnvSnapshot | None = None
        self.saved: list[EnvSnapshot] = []
        self.diff: EnvDiff | None = None

    def compose(self) -> ComposeResult:
        ref = self.deployment
        yield Static(
            f"Environment variables of {ref.name}" + ("  PRODUCTION" if ref.is_prod else ""),
            id="env-title",
            classes="screen-title",
        )
        with Horizontal(id="env-panes"):
            with Vertical(id="env-live", classes="pane"):
                yield MarkedDataTable(id="env-table", cursor_type="row")
            with Vertical(id="env-saved", classes="pane"):
                yield Static("Saved sets", classes="pane-title")
                yield OptionList(id="env-sets")
                yield Static("", id="env-diff")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#env-live").border_title = "Live (masked)"
        table = self.query_one("#env-table", DataTable)
        table.add_columns("Name", "Value", "Compared with saved")
        table.loading = True
        self.action_reload()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="env-load")
    async def load(self) -> None:
        try:
            live = await self.target.env_live(self.deployment)
            saved = await self.target.env_saved(self.deployment)
        except Exception as exc:  # noqa: BLE001 - shown to the operator
            self.query_one("#env-table", DataTable).loading = False
            self.notify(fmt.error_text(exc), title="Could not read the environment variables", severity="error")
            return
        self.live, self.saved = live, saved
        self._draw()
        sets = self.query_one("#env-sets", OptionList)
        sets.clear_options()
        for snapshot in saved:
            sets.add_option(
                Option(f"{fmt.exact(snapshot.taken)}  {snapshot.reason}  ({len(snapshot.values)})", id=snapshot.id)
            )
        if not saved:
            self.query_one("#env-diff", Static).update("No saved sets yet: s saves the live set.")

    def _draw(self) -> None:
        table = self.query_one("#env-table", DataTable)
        table.loading = False
        table.clear()
        if self.live is None:
            return
        masked = self.live.masked()
        diff = self.diff
        for name in self.live.names:
            status = ""
            if diff is not None:
                status = (
                    "differs"
                    if name in diff.changed
                    else "live only (a restore removes it)"
                    if name in diff.removed
                    else "same"
                )
            table.add_row(name, masked[name], status)
        if diff is not None:
            for name in diff.added:
                table.add_row(name, "(not set)", "saved only (a restore adds it)")

    @on(OptionList.OptionHighlighted, "#env-sets")
    def compare(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.load_diff(event.option.id)

    @work(exclusive=True, group="env-diff")
    async def load_diff(self, saved_id: str) -> None:
        try:
            self.diff = await self.target.env_diff(self.deployment, saved_id)
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Could not compare", severity="error")
            return
        d = self.diff
        text = (
            "The live set equals this saved set."
            if d.is_empty
            else f"{len(d.changed)} differ, {len(d.added)} only saved, {len(d.removed)} only live, "
            f"{len(d.unchanged)} same."
        )
        self.query_one("#env-diff", Static).update(text)
        self._draw()

    @work(exclusive=True, group="env-save")
    async def action_save(self) -> None:
        try:
            snapshot = await self.target.env_save(self.deployment)
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Could not save", severity="error")
            return
        self.notify(f"Saved {len(snapshot.values)} variables of {self.deployment.name}.")
        self.load()

    def action_restore(self) -> None:
        if self.deployment.read_only:
            self.notify(
                str(ReadOnlyRefused(self.deployment.name, "change the environment variables of")),
                title="Read-only deployment",
                severity="warning",
            )
            return
        sets = self.query_one("#env-sets", OptionList)
        if sets.highlighted is None:
            self.notify("Choose a saved set on the right first.", severity="warning")
            return
        saved_id = sets.get_option_at_index(sets.highlighted).id
        d = self.diff
        what = (
            "" if d is None else (f" {len(d.changed)} change, {len(d.added)} are added, {len(d.removed)} are removed.")
        )
        body = (
            f"Make the environment variables of {self.deployment.name} equal to the saved set?{what} "
            "Functions see the new values at once."
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.restore(saved_id)

        self.app.push_screen(
            ConfirmDialog("Restore environment variables", body, confirm_key="y", confirm_label="Restore"), confirmed
        )

    @work(exclusive=True, group="env-restore")
    async def restore(self, saved_id: str) -> None:
        try:
            diff = await self.target.env_restore(self.deployment, saved_id)
        except Exception as exc:  # noqa: BLE001
            self.notify(fmt.error_text(exc), title="Restore failed", severity="error")
            return
        self.notify(f"Restored: {len(diff.changed)} changed, {len(diff.added)} added, {len(diff.removed)} removed.")
        self.diff = None
        self.load()
