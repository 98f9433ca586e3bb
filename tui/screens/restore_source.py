"""Step "Choose the backup": any complete backup of the target, or of another deployment of the same
team. Deployments in another region are listed but refused (Convex restores only within a region: the
way there is download + Import ZIP). Loads through the services in workers; posts `Chosen`."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Select, Static

from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef
from tui.screens.restore_text import explain
from tui.widgets.formatting import ago, exact, size, state, utc_now


def option_label(ref: DeploymentRef, target: DeploymentRef) -> str:
    kind = "PROD" if ref.is_prod else ref.type
    note = " — the target itself" if ref.name == target.name else ""
    if ref.region != target.region:
        note += f" — other region ({ref.region or 'region unknown'})"
    return f"{ref.name}  {kind}  {ref.project}{note}"


class SourceStep(Vertical):
    class Chosen(Message):
        def __init__(self, source: DeploymentRef, backup: BackupRecord) -> None:
            super().__init__()
            self.source = source
            self.backup = backup

    def __init__(self, target: BackupTarget, deployment: DeploymentRef, backup: BackupRecord | None = None,
                 *, id: str | None = None) -> None:
        super().__init__(id=id, classes="step")
        self.target = target
        self.deployment = deployment
        self.preselected = backup
        self.deployments: dict[str, DeploymentRef] = {deployment.name: deployment}
        self.backups: dict[str, BackupRecord] = {}
        self.source_name = backup.deployment if backup is not None else deployment.name

    def compose(self) -> ComposeResult:
        yield Static("Choose the backup to restore", classes="step-title")
        yield Select([(self.source_name, self.source_name)], value=self.source_name, allow_blank=False,
                     id="source-deployment")
        yield DataTable(id="source-backups", cursor_type="row")
        yield Static("Loading…", id="source-note", markup=False)
        yield Static("enter choose the highlighted backup · tab deployment list · esc back out",
                     classes="keys-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("State", "state"), ("Taken", "ago"), ("At (UTC)", "at"), ("Size", "size"),
                           ("Files", "storage"), ("Kind", "kind"), ("Id", "id")):
            table.add_column(label, key=key)
        self._load_deployments()
        self._load_backups(self.source_name)

    @work(exclusive=True, group="source-deployments", exit_on_error=False)
    async def _load_deployments(self) -> None:
        try:
            everything = await self.target.list_deployments()
        except Exception as exc:
            happened, todo = explain(exc, "listing the team's deployments")
            self._note(f"{happened} {todo} You can still restore from {self.deployment.name}'s own backups.")
            return
        team = [d for d in everything if d.team == self.deployment.team] or [self.deployment]
        team.sort(key=lambda d: (d.name != self.deployment.name, d.project, not d.is_prod, d.name))
        self.deployments = {d.name: d for d in team}
        if self.source_name not in self.deployments:
            self.source_name = self.deployment.name
        select = self.query_one(Select)
        with select.prevent(Select.Changed):
            select.set_options([(option_label(d, self.deployment), d.name) for d in team])
            select.value = self.source_name

    @on(Select.Changed, "#source-deployment")
    def _deployment_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.source_name:
            self.source_name = event.value
            self._load_backups(event.value)

    @work(exclusive=True, group="source-backups", exit_on_error=False)
    async def _load_backups(self, name: str) -> None:
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
            table.add_row(state(backup), ago(when, now), exact(when).removesuffix(" UTC"), size(backup.size),
                          "yes" if backup.include_storage else "no", backup.kind, backup.id, key=backup.id)
            self.backups[backup.id] = backup
        complete = [b for b in backups if b.state == "complete"]
        if not backups:
            self._note(f"{name} has no backups. Choose another deployment above.")
        elif not complete:
            self._note(f"{name} has no complete backup; only complete backups can be restored.")
        else:
            self._note(f"{len(complete)} complete backup{'s' * (len(complete) != 1)} of {name}. "
                       "Only complete backups can be restored.")
        wanted = self.preselected.id if self.preselected is not None else (complete[0].id if complete else None)
        if wanted in self.backups:
            table.move_cursor(row=table.get_row_index(wanted))
        table.focus()

    @on(DataTable.RowSelected, "#source-backups")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        backup = self.backups.get(str(event.row_key.value))
        if backup is None:
            return
        source = self.deployments.get(backup.deployment)
        if backup.state != "complete":
            self._note(f"Backup {backup.id} is {backup.state}: only complete backups can be restored.")
        elif source is None:
            self._note(f"Backup {backup.id} belongs to {backup.deployment}, which is not listed.")
        elif source.region != self.deployment.region:
            self._note(f"{source.name} is in {source.region or 'an unknown region'}, {self.deployment.name} in "
                       f"{self.deployment.region or 'an unknown region'}: "
                       "Convex restores only within a region. Download that backup and use Import ZIP instead.")
        else:
            self.post_message(self.Chosen(source, backup))

    def _note(self, text: str) -> None:
        self.query_one("#source-note", Static).update(text)
