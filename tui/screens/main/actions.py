"""The main screen's actions: back up, cancel, delete, download, inspect, restore, import, schedule, env
vars, refresh, switch target. Each checks what it needs, asks the operator where it must, and runs the
service call in a worker that ends in a message. Each dialog's module is imported when it is first opened:
the app's start does not wait for them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from tui import bindings as keys
from tui.messages import OperationEnded, OperationProgress, ServiceFailed
from tui.services.cloud.cancel_checks import cancel_refusal
from tui.services.errors import ReadOnlyRefused
from tui.services.protocol import BackupRecord, DeploymentRef, Progress, Schedule
from tui.widgets import formatting as fmt
from tui.widgets.backup_table import BackupTable
from tui.screens.main.parts import MainScreenParts

# Restore is not here: its wizard chooses the source (this deployment's backups, another deployment's of the
# team, or a ZIP on disk), so a deployment without backups can be restored into.
NEEDS_BACKUP = {"cancel_backup", "delete_backup", "download_backup", "inspect_backup", "compare_backup"}
MUTATING = {spec.action for spec in keys.MAIN_KEYS if spec.mutating}

if TYPE_CHECKING:
    from textual.worker import Worker

    from tui.services.errors import RestoreRefused


class MainActions(MainScreenParts):
    """Mixed into `MainScreen` (which provides `current`, `target`, workers and widgets)."""

    if TYPE_CHECKING:  # what `MainScreen` provides besides `MainScreenParts`

        def load_deployments(self) -> Worker[None]: ...
        def load_backups(self, deployment: DeploymentRef) -> Worker[None]: ...
        def refresh_current(self) -> None: ...
        def restore_refusal(self, *, cloud_restore: bool) -> RestoreRefused | None: ...
        def follow(self, deployment: DeploymentRef, backup_id: str) -> None: ...

    # -- availability -------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        current: DeploymentRef | None = self.current
        if action in MUTATING and current is not None and current.read_only:
            return False  # not offered; pressing the key says why (MainScreen.on_key)
        if action in NEEDS_BACKUP and self.selected_backup is None:
            return None  # shown, dimmed
        if action == "cancel_backup" and not (self.selected_backup and self.selected_backup.is_running):
            return None
        return True

    def why_not(self, action: str, name: str) -> str:
        """Why `action` (called `name`) cannot run now, and what would make it possible: said when its key
        is pressed while `check_action` holds it back, so that no key does nothing in silence."""
        current: DeploymentRef | None = self.current
        if current is None:
            return self._no_deployment_text()
        table = self.query_one(BackupTable)
        backup = self.selected_backup
        if action == "cancel_backup" and backup is not None:
            return f"Backup {backup.id} is {fmt.STATE_WORDS[backup.state]}: only a running backup can be canceled."
        if not table.backups and table.empty_text.startswith("Loading"):
            return f"The backups of {current.name} are still loading: press the key again in a moment."
        if not table.backups:
            return (
                f"{name} needs a backup, and {current.name} has none yet. b backs it up now; r restores into "
                "it from another deployment's backup or a ZIP on disk."
            )
        if not table.shown:
            return f"{name} needs a backup, and none matches the filter “{table.filter_text}”: esc clears it."
        return f"{name} needs a backup: choose one in the backups table (tab to it, then the arrows)."

    def _no_deployment_text(self) -> str:
        if self.target is None:
            return "Not connected yet: wait for the connection, or F5 tries again (ctrl+t opens another target)."
        if not self.deployments:
            return "No deployment is listed yet: wait for the list, or F5 fetches it again."
        return "Choose a deployment first (the tree on the left)."

    @property
    def selected_backup(self) -> BackupRecord | None:
        return self.query_one(BackupTable).selected

    def refuse_read_only(self, what: str) -> None:
        ref = self.current
        assert ref is not None  # only a selected deployment is found read-only
        self.notify(
            str(ReadOnlyRefused(ref.name, what.lower())), title="Read-only deployment", severity="warning", timeout=10
        )

    def _need_deployment(self) -> DeploymentRef | None:
        if self.current is None or self.target is None:
            self.notify(self._no_deployment_text(), severity="warning")
            return None
        return self.current

    def _need_backup(self) -> tuple[DeploymentRef, BackupRecord] | None:
        ref = self._need_deployment()
        if ref is None:
            return None
        if self.selected_backup is None:
            self.notify("Choose a backup first (the table on the right).", severity="warning")
            return None
        return ref, self.selected_backup

    # -- back up now --------------------------------------------------------------------------------------
    def action_backup_now(self) -> None:
        ref = self._need_deployment()
        if ref is not None:
            self.check_limits_then_ask(ref)

    @work(exclusive=True, group="backup-now", exit_on_error=False)
    async def check_limits_then_ask(self, ref: DeploymentRef) -> None:
        """The plan's limit is read before anything is requested, and explained in the dialog."""
        from tui.screens.dialogs.backup_now import BackupNowDialog

        try:
            limits = await self.connected_target.plan_limits(ref)
        except Exception as exc:  # noqa: BLE001
            self.post_message(ServiceFailed(f"read the plan of {ref.name}", exc))
            return
        include = await self.app.push_screen_wait(BackupNowDialog(ref, limits))
        if include is None:
            return
        try:
            backup = await self.connected_target.request_backup(ref, include_storage=include)
        except Exception as exc:  # noqa: BLE001
            self.post_message(ServiceFailed(f"back up {ref.name}", exc))
            return
        self.notify(f"Backup {backup.id} of {ref.name} requested" + (" with file storage." if include else "."))
        for note in backup.notes:
            self.notify(note, severity="warning", timeout=12)
        self.post_message(
            OperationProgress(
                f"backup {backup.id}",
                f"Backup {backup.id} of {ref.name}",
                Progress("Requested; waiting for the deployment to start it.", state="requested"),
            )
        )
        self.follow(ref, backup.id)
        self.load_backups(ref)

    # -- cancel and delete --------------------------------------------------------------------------------
    def action_cancel_backup(self) -> None:
        chosen = self._need_backup()
        if chosen is None:
            return
        ref, backup = chosen
        if not backup.is_running:
            self.notify(
                f"Backup {backup.id} is {fmt.STATE_WORDS[backup.state]}; only a running backup can be canceled.",
                severity="warning",
            )
            return
        self.ask_cancel(ref, backup)

    @work(exclusive=True, group="cancel-ask", exit_on_error=False)
    async def ask_cancel(self, ref: DeploymentRef, backup: BackupRecord) -> None:
        """The row may be older than the backup: its state now decides, as the dashboard's Cancel, which is
        offered only while a backup is in progress (tui/services/cloud/cancel_checks.py)."""
        from tui.screens.dialogs.confirm import ConfirmDialog

        try:
            info = await self.connected_target.info()
            if info.kind != "selfHosted":  # this app's own exports are not Convex's cloud backups
                backup = await self.connected_target.get_backup(ref, backup.id)
        except Exception as exc:  # noqa: BLE001
            self.post_message(ServiceFailed(f"read backup {backup.id}", exc))
            return
        refusal = cancel_refusal(backup.id, backup.state) if info.kind != "selfHosted" else None
        if refusal is not None:
            self.notify(refusal.message, title="Not cancelled", severity="warning", timeout=10)
            return
        body = f"Cancel backup {backup.id} of {ref.name}? The partial snapshot is discarded."

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.cancel_backup(ref, backup)

        self.app.push_screen(
            ConfirmDialog("Cancel backup", body, confirm_key="y", confirm_label="Cancel it"), confirmed
        )

    @work(group="mutate", exit_on_error=False)
    async def cancel_backup(self, ref: DeploymentRef, backup: BackupRecord) -> None:
        try:
            await self.connected_target.cancel_backup(ref, backup.id)
        except Exception as exc:  # noqa: BLE001
            self.post_message(ServiceFailed(f"cancel backup {backup.id}", exc))
            return
        self.notify(f"Asked Convex to cancel backup {backup.id}.")
        self.load_backups(ref)

    def action_delete_backup(self) -> None:
        from tui.screens.dialogs.confirm import ConfirmDialog

        chosen = self._need_backup()
        if chosen is None:
            return
        ref, backup = chosen
        opener = self.app.keymap.get("delete_backup", keys.spec("delete_backup").key).split(",")
        confirm = next(k for k in ("y", "enter", "ctrl+y") if k not in opener)
        prod = " This is a PRODUCTION deployment." if ref.is_prod else ""
        body = (
            f"Delete backup {backup.id} of {ref.name}, requested {fmt.exact(backup.requested)}?{prod} "
            "It cannot be restored or downloaded afterwards; this cannot be undone."
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_backup(ref, backup)

        self.app.push_screen(
            ConfirmDialog("Delete backup", body, confirm_key=confirm, confirm_label="Delete"), confirmed
        )

    @work(group="mutate", exit_on_error=False)
    async def delete_backup(self, ref: DeploymentRef, backup: BackupRecord) -> None:
        try:
            await self.connected_target.delete_backup(ref, backup.id)
        except Exception as exc:  # noqa: BLE001
            self.post_message(ServiceFailed(f"delete backup {backup.id}", exc))
            return
        self.notify(f"Deleted backup {backup.id} of {ref.name}.")
        self.refresh_current()

    # -- download -----------------------------------------------------------------------------------------
    def action_download_backup(self) -> None:
        from tui.screens.dialogs.download import DownloadDialog

        chosen = self._need_backup()
        if chosen is None:
            return
        ref, backup = chosen
        if backup.state != "complete":
            self.notify(
                f"Backup {backup.id} is {fmt.STATE_WORDS[backup.state]}: only a complete backup can be downloaded.",
                severity="warning",
            )
            return
        from tui.services.downloads.downloader import default_download_folder

        def chosen_folder(folder: Path | None) -> None:
            if folder:
                self.download(ref, backup, folder)

        self.app.push_screen(DownloadDialog(backup, default_download_folder()), chosen_folder)

    @work(group="download", exit_on_error=False)
    async def download(self, ref: DeploymentRef, backup: BackupRecord, folder: Path) -> None:
        from tui.services.downloads.downloader import DownloadProgress

        key, title = f"download {backup.id}", f"Download of backup {backup.id}"

        def report(p: DownloadProgress) -> None:
            message = p.message or f"{p.phase}: {fmt.size(p.done)} of {fmt.size(p.total)}"
            self.post_message(
                OperationProgress(
                    key,
                    title,
                    Progress(
                        message,
                        done=p.done,
                        total=p.total,
                        fraction=p.fraction,
                        elapsed=p.elapsed,
                        eta=p.eta,
                        state=p.phase,
                    ),
                )
            )

        try:
            folder.mkdir(parents=True, exist_ok=True)
            result = await self.connected_target.download_backup(ref, backup.id, folder=folder, progress=report)
        except Exception as exc:  # noqa: BLE001
            self.post_message(OperationEnded(key, False, f"{title} failed: {fmt.error_text(exc)}", ref.name))
            return
        self.post_message(
            OperationEnded(key, True, f"Saved and verified {result.path} ({fmt.size(result.size)}).", ref.name)
        )

    # -- colleague screens: inspect, restore, import ---------------------------------------------------------
    def _push_colleague(self, module: str, name: str, *args, **kwargs) -> None:
        try:
            screen_class = getattr(__import__(module, fromlist=[name]), name)
        except (ImportError, AttributeError):
            self.notify(f"{name} is not part of this build yet.", severity="warning")
            return
        self.app.push_screen(screen_class(*args, **kwargs), lambda _: self.refresh_current())

    def action_inspect_backup(self) -> None:
        chosen = self._need_backup()
        if chosen is not None:
            self._push_colleague("tui.screens.main.inspect_backup", "InspectScreen", self.target, chosen[0], chosen[1])

    def action_compare_backup(self) -> None:
        chosen = self._need_backup()
        if chosen is not None:
            self._push_colleague("tui.screens.restore.diff", "DiffScreen", self.target, chosen[0], chosen[1])

    def action_restore_backup(self) -> None:
        ref = self._need_deployment()
        if ref is not None and not self._refused_by_running_restore(cloud_restore=True):
            self._push_colleague(
                "tui.screens.restore.wizard", "RestoreWizard", self.target, ref, backup=self.selected_backup
            )

    def action_import_file(self) -> None:
        ref = self._need_deployment()
        if ref is not None and not self._refused_by_running_restore(cloud_restore=False):
            self._push_colleague("tui.screens.restore.import_file", "ImportFileDialog", self.target, ref)

    def _refused_by_running_restore(self, *, cloud_restore: bool) -> bool:
        """A restore already running or waiting on the deployment (shown in the detail pane, whoever started
        it) is said at once; nothing is opened or sent. The wizard checks again with fresh data."""
        refusal = self.restore_refusal(cloud_restore=cloud_restore)
        if refusal is None:
            return False
        self.notify(refusal.message, title="Not now: a restore is running here", severity="warning", timeout=15)
        return True

    def action_staged_imports(self) -> None:
        ref = self._need_deployment()
        if ref is not None:
            self._push_colleague("tui.screens.restore.staged_imports", "StagedImportsDialog", self.target, ref)

    # -- periodic schedule --------------------------------------------------------------------------------
    def action_periodic(self) -> None:
        ref = self._need_deployment()
        if ref is not None:
            self.open_periodic(ref)

    @work(exclusive=True, group="periodic", exit_on_error=False)
    async def open_periodic(self, ref: DeploymentRef) -> None:
        from tui.screens.dialogs.periodic import OFF, PeriodicDialog

        schedule = None
        try:
            limits = await self.connected_target.plan_limits(ref)
            if limits.periodic_backups:
                schedule = await self.connected_target.get_schedule(ref)
        except Exception as exc:  # noqa: BLE001
            self.post_message(ServiceFailed(f"read the schedule of {ref.name}", exc))
            return
        choice = await self.app.push_screen_wait(PeriodicDialog(ref, schedule, limits))
        if choice is None:
            return
        if ref.read_only:
            self.refuse_read_only("change the backup schedule of")
            return
        try:
            if choice == OFF:
                await self.connected_target.disable_schedule(ref)
                self.notify(f"Periodic backups of {ref.name} are off.")
            else:
                assert isinstance(choice, Schedule)
                saved = await self.connected_target.set_schedule(ref, choice)
                self.notify(f"Periodic backups of {ref.name}: {saved.frequency}, next run {fmt.exact(saved.next_run)}.")
        except Exception as exc:  # noqa: BLE001
            self.post_message(ServiceFailed(f"change the schedule of {ref.name}", exc))
            return
        self.refresh_current()

    # -- env vars, refresh, target, sort ------------------------------------------------------------------
    def action_env_vars(self) -> None:
        from tui.screens.main.env_vars import EnvVarsScreen

        ref = self._need_deployment()
        if ref is not None:
            self.app.push_screen(EnvVarsScreen(self.connected_target, ref))

    def action_refresh(self) -> None:
        if self.target is None:
            self.app.open_target()
            return
        self.load_deployments()
        self.refresh_current()
        self.notify("Refreshing…", timeout=2)

    def action_switch_target(self) -> None:
        self.app.action_switch_target()

    def action_cycle_sort(self) -> None:
        self.notify(self.query_one(BackupTable).cycle_sort(), timeout=2)

    def action_toggle_exact_time(self) -> None:
        self.query_one(BackupTable).toggle_exact()
