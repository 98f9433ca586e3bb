"""`RestoreWizard`: the guided restore into a deployment, from any of its own backups, another deployment's
of the same team, or a snapshot ZIP on disk, so a deployment with no backups of its own can be restored too.

    RestoreWizard(target, deployment, backup=None)   # push_screen(..., callback) or push_screen_wait

Steps: choose the source → [with `t` on a backup: choose its tables, the others are left as they are] →
safety backup (or a typed reason to skip it) → review the staged plan → confirm (production: type its
name) → follow to the result. Dismisses with the `RestoreResult`, or
None when the operator backed out (the staged import is dropped then). It also posts
`RestoreWizard.Finished(result, plan, skip_reason)` so a checklist can record what was done.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult

from tui.screens import host_app
from tui.services.snapshots import stats as backup_stats
from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, RestorePlan
from tui.services.restore.tables import TablesRestore, tables_words
from tui.screens.restore.source import SourceStep
from tui.screens.restore.staged import StagedRestoreScreen
from tui.screens.restore.tables import TablesStep
from tui.screens.restore.text import explain
from tui.screens.restore.zip_chooser import ZipChooser


class RestoreWizard(StagedRestoreScreen):
    TITLE_VERB = "Restore"
    FIRST_STEPS = (("source", "Source"),)

    def __init__(self, target: BackupTarget, deployment: DeploymentRef, backup: BackupRecord | None = None) -> None:
        super().__init__(target, deployment)
        self.backup = backup
        self.source: DeploymentRef | None = None
        self.file: Path | None = None  # a ZIP on disk, when that is the source
        self.tables_restore: TablesRestore | None = None  # only chosen tables (`t` on a backup)
        self.chosen_tables: list[str] | None = None

    def first_steps(self) -> ComposeResult:
        yield SourceStep(self.target, self.deployment, self.backup, id="source")
        yield TablesStep(id="tables")

    def steps(self) -> list[tuple[str, str]]:
        steps = super().steps()
        if self.tables_restore is not None:
            steps.insert(1, ("tables", "Tables"))
        return steps

    def on_mount(self) -> None:
        self.show_step("source", "source")

    def on_unmount(self) -> None:
        self._drop_tables()

    @on(SourceStep.Chosen)
    def _chosen(self, event: SourceStep.Chosen) -> None:
        if self.stage != "source":
            return
        self._drop_tables()
        self.source, self.backup, self.file = event.source, event.backup, None
        self.start_safety()

    @on(ZipChooser.Verified)
    def _zip_chosen(self, event: ZipChooser.Verified) -> None:
        event.stop()
        if self.stage != "source":
            return
        self._drop_tables()
        self.source, self.backup, self.file = None, None, event.path
        self.start_safety()

    # -- only chosen tables -----------------------------------------------------------------------------
    @on(SourceStep.TablesWanted)
    def _tables_wanted(self, event: SourceStep.TablesWanted) -> None:
        if self.stage != "source":
            return
        self._drop_tables()
        self.source, self.backup, self.file = event.source, event.backup, None
        self.tables_restore = TablesRestore(self.target, event.source, event.backup, stats=self._stats())
        self.query_one(TablesStep).start(event.backup, self.deployment.name)
        self.show_step("tables", "tables")
        self._read_tables()

    @work(exclusive=True, group="restore-tables", exit_on_error=False)
    async def _read_tables(self) -> None:
        step = self.query_one(TablesStep)
        restore = self.tables_restore
        assert restore is not None
        try:
            tables = await restore.fetch(step.show_progress)
        except Exception as exc:
            step.show_error(*explain(exc, f"reading the tables of backup {restore.backup.id}"))
            return
        if self.tables_restore is restore and self.stage == "tables":
            step.show_tables(tables)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "continue" and self.stage == "tables":
            return self.tables_restore is not None and bool(self.tables_restore.tables)
        return super().check_action(action, parameters)

    def action_continue(self) -> None:
        if self.stage != "tables":
            super().action_continue()
            return
        step = self.query_one(TablesStep)
        marked = step.marked
        if not marked:
            step.show_note(
                "Mark at least one table with space first (or esc, then enter on the backup restores every table)."
            )
            return
        self.chosen_tables = marked
        self.start_safety()

    def action_back_out(self) -> None:
        if self.stage == "tables":  # back to the backups, not out of the flow
            self.workers.cancel_group(self, "restore-tables")
            self._drop_tables()
            self.show_step("source", "source")
            return
        super().action_back_out()

    def _drop_tables(self) -> None:
        if self.tables_restore is not None:
            self.tables_restore.close()
        self.tables_restore, self.chosen_tables = None, None

    def _stats(self) -> backup_stats.StatsCache | None:
        return backup_stats.StatsCache.for_homes_or_target(host_app.session_homes(self.app), self.target)

    # -- staging --------------------------------------------------------------------------------------------
    def restore_backup(self) -> BackupRecord | None:
        return self.backup

    def restore_source(self) -> DeploymentRef:
        return self.source or self.deployment

    def restores_chosen_tables(self) -> bool:
        return bool(self.chosen_tables)

    def source_has_storage(self) -> bool:
        if self.chosen_tables is not None:
            return any(t.rsplit("/", 1)[-1] == "_storage" for t in self.chosen_tables)
        return self.backup is None or self.backup.include_storage

    def staging_text(self) -> str:
        if self.file is not None:
            return (
                f"Decoding every document of {self.file.name} and uploading it to {self.deployment.name}; a bad "
                "document is refused before upload. Nothing changes yet."
            )
        assert self.backup is not None
        if self.chosen_tables is not None:
            return (
                f"Staging tables {tables_words(self.chosen_tables)} of backup {self.backup.id} in "
                f"{self.deployment.name} (a ZIP of those tables only, imported in replace mode): the deployment "
                "reads it and counts what would change. Nothing changes yet."
            )
        return (
            f"Staging backup {self.backup.id} in {self.deployment.name}: the deployment reads it and "
            "counts what would change. Nothing changes yet."
        )

    async def stage_plan(self) -> RestorePlan:
        if self.file is not None:
            return await self.target.prepare_file_import(
                self.file, self.deployment, on_progress=self.on_staging_progress
            )
        assert self.backup is not None
        if self.chosen_tables is not None and self.tables_restore is not None:
            return await self.tables_restore.stage(
                self.deployment, self.chosen_tables, on_progress=self.on_staging_progress
            )
        source = self.source if self.source is not None and self.source.name != self.deployment.name else None
        plan = await self.target.prepare_restore(self.backup.id, self.deployment, source=source)
        try:  # the review's counts are the backup's: kept for the trend (tui/services/snapshots/stats.py)
            backup_stats.record_plan(self._stats(), self.source or self.deployment, self.backup, plan)
        except Exception:  # noqa: BLE001 - a trend must never stop a restore
            pass
        return plan
