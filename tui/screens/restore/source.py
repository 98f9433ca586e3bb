"""Step "Choose what to restore": any complete backup of the target, of another deployment of the same
team (Convex restores across the deployments of a team), or a snapshot ZIP on disk (the last entry of the
deployment list; verified at once by `ZipChooser`). A deployment without backups of its own can so be
restored into. Deployments in another region are listed but refused (Convex restores only within a region:
the way there is download + a ZIP on disk). Loads through the services in workers; posts `Chosen`, or
`ZipChooser.Verified` for a file."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Select, Static

from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef
from tui.screens.restore.text import explain
from tui.screens.restore.zip_chooser import ZipChooser
from tui.widgets.formatting import ago, exact, size, state, utc_now
from tui.widgets.marked_table import MarkedDataTable


ZIP_CHOICE = ":zip"  # the Select's value for "a ZIP on disk" (no deployment name starts with a colon)
ZIP_LABEL = "A snapshot ZIP file on disk…"
BACKUP_KEYS = (
    "enter restore the highlighted backup · t only chosen tables of it · shift+tab another deployment's "
    "backups or a ZIP on disk · esc back out"
)
LIST_KEYS = "enter open the list of sources: another deployment of the team, or a ZIP on disk · esc back out"
ZIP_KEYS = "enter check the file and go on · shift+tab back to the list of sources · esc back out"


def option_label(ref: DeploymentRef, target: DeploymentRef) -> str:
    kind = "PROD" if ref.is_prod else ref.type
    note = " — the target itself" if ref.name == target.name else ""
    if ref.region != target.region:
        note += f" — other region ({ref.region or 'region unknown'})"
    return f"{ref.name}  {kind}  {ref.project}{note}"


class SourceStep(Vertical):
    BINDINGS = [Binding("t", "tables", "Only chosen tables", show=False, id="restore_only_tables")]  # in the hint

    class Chosen(Message):
        def __init__(self, source: DeploymentRef, backup: BackupRecord) -> None:
            super().__init__()
            self.source = source
            self.backup = backup

    class TablesWanted(Message):
        """`t` on a backup: restore only chosen tables of it (tui/screens/restore/tables.py)."""

        def __init__(self, source: DeploymentRef, backup: BackupRecord) -> None:
            super().__init__()
            self.source = source
            self.backup = backup

    def __init__(
        self,
        target: BackupTarget,
        deployment: DeploymentRef,
        backup: BackupRecord | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="step")
        self.target = target
        self.deployment = deployment
        self.preselected = backup
        self.deployments: dict[str, DeploymentRef] = {deployment.name: deployment}
        self.backups: dict[str, BackupRecord] = {}
        self.source_name = backup.deployment if backup is not None else deployment.name

    def compose(self) -> ComposeResult:
        yield Static("Choose what to restore", classes="step-title")
        yield Select(
            [(self.source_name, self.source_name), (ZIP_LABEL, ZIP_CHOICE)],
            value=self.source_name,
            allow_blank=False,
            id="source-deployment",
        )
        yield MarkedDataTable(id="source-backups", cursor_type="row")
        yield ZipChooser(id="source-zip", classes="hidden")
        yield Static("Loading…", id="source-note", markup=False)
        yield Static(BACKUP_KEYS, classes="keys-hint", id="source-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (
            ("State", "state"),
            ("Id", "id"),
            ("Taken", "ago"),
            ("At (UTC)", "at"),
            ("Size", "size"),
            ("Files", "storage"),
            ("Kind", "kind"),
        ):
            table.add_column(label, key=key)
        self._load_deployments()
        self._load_backups(self.source_name)

    @work(exclusive=True, group="source-deployments", exit_on_error=False)
    async def _load_deployments(self) -> None:
        try:
            everything = await self.target.list_deployments()
        except Exception as exc:
            happened, todo = explain(exc, "listing the team's deployments")
            self._note(
                f"{happened} {todo} You can still restore from {self.deployment.name}'s own backups or a ZIP "
                "on disk (the list above)."
            )
            return
        team = [d for d in everything if d.team == self.deployment.team] or [self.deployment]
        team.sort(key=lambda d: (d.name != self.deployment.name, d.project, not d.is_prod, d.name))
        self.deployments = {d.name: d for d in team}
        if self.source_name != ZIP_CHOICE and self.source_name not in self.deployments:
            self.source_name = self.deployment.name
        select = self.query_one(Select)
        with select.prevent(Select.Changed):
            select.set_options([(option_label(d, self.deployment), d.name) for d in team] + [(ZIP_LABEL, ZIP_CHOICE)])
            select.value = self.source_name
            # The same value: its label (kind, project) is drawn anyway. Textual's API takes the class attribute,
            # which mypy reads as ambiguous for a generic widget.
            select.mutate_reactive(Select.value)  # type: ignore[misc]

    @on(Select.Changed, "#source-deployment")
    def _deployment_changed(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str) or event.value == self.source_name:
            return
        self.source_name = event.value
        zip_chosen = event.value == ZIP_CHOICE
        self.query_one(DataTable).set_class(zip_chosen, "hidden")
        self.query_one(ZipChooser).set_class(not zip_chosen, "hidden")
        if zip_chosen:
            self.workers.cancel_group(self, "source-backups")
            self.backups = {}
            self._note("")
            self.query_one(ZipChooser).hint(
                "Type the path of a snapshot ZIP (from convex-backups download, the dashboard or npx convex "
                "export) and press enter: it is checked before anything else happens."
            )
            self.query_one("#source-keys", Static).update(ZIP_KEYS)
            self.query_one(ZipChooser).focus_path()
        else:
            self.query_one("#source-keys", Static).update(BACKUP_KEYS)
            self._load_backups(event.value)

    @work(exclusive=True, group="source-backups", exit_on_error=False)
    async def _load_backups(self, name: str) -> None:
        if name == ZIP_CHOICE:
            return
        table = self.query_one(DataTable)
        table.clear()
        self.backups = {}
        self._note(f"Loading the backups of {name}…")
        ref = self.deployments.get(name)
        try:
            if ref is None:
                ref = self.deployments[name] = await self.target.get_deployment(name)
            backups = await self.target.list_backups(ref)
        except Exception as exc:
            self._note("{} What to do: {}".format(*explain(exc, f"listing the backups of {name}")))
            return
        now = utc_now()
        for backup in backups:
            when = backup.completed or backup.requested
            # a space before the state's glyph: the cursor's ▶ (MarkedDataTable) stands in the padding before it
            table.add_row(
                Text.assemble(" ", state(backup)),
                backup.id,
                ago(when, now),
                exact(when).removesuffix(" UTC"),
                size(backup.size),
                "yes" if backup.include_storage else "no",
                backup.kind,
                key=backup.id,
            )
            self.backups[backup.id] = backup
        complete = [b for b in backups if b.state == "complete"]
        elsewhere = (
            "Choose another deployment of the team above (enter opens the list), or the last entry there: "
            "a snapshot ZIP on disk."
        )
        if not backups:
            self._note(f"{name} has no backups. {elsewhere}")
        elif not complete:
            self._note(f"{name} has no complete backup; only complete backups can be restored. {elsewhere}")
        else:
            self._note(
                f"{len(complete)} complete backup{'s' * (len(complete) != 1)} of {name}. "
                "Only complete backups can be restored."
            )
        wanted = self.preselected.id if self.preselected is not None else (complete[0].id if complete else None)
        if wanted in self.backups:
            table.move_cursor(row=table.get_row_index(wanted))
        if complete:
            self.query_one("#source-keys", Static).update(BACKUP_KEYS)
            table.focus()
        else:  # nothing to choose here: the way on is another source
            self.query_one("#source-keys", Static).update(LIST_KEYS)
            self.query_one(Select).focus()

    @on(DataTable.RowSelected, "#source-backups")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._choose(str(event.row_key.value), self.Chosen)

    def action_tables(self) -> None:
        table = self.query_one(DataTable)
        if table.has_focus and table.row_count:
            self._choose(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value), self.TablesWanted)

    def _choose(self, backup_id: str, message: type[Chosen] | type[TablesWanted]) -> None:
        backup = self.backups.get(backup_id)
        if backup is None:
            return
        source = self.deployments.get(backup.deployment)
        if backup.state != "complete":
            self._note(f"Backup {backup.id} is {backup.state}: only complete backups can be restored.")
        elif source is None:
            self._note(f"Backup {backup.id} belongs to {backup.deployment}, which is not listed.")
        elif source.region != self.deployment.region:
            self._note(
                f"{source.name} is in {source.region or 'an unknown region'}, {self.deployment.name} in "
                f"{self.deployment.region or 'an unknown region'}: "
                "Convex restores only within a region. Download that backup and use Import ZIP instead."
            )
        else:
            self.post_message(message(source, backup))

    def _note(self, text: str) -> None:
        note = self.query_one("#source-note", Static)
        note.update(text)
        note.display = bool(text)
