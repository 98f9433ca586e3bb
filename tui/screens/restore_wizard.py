"""`RestoreWizard`: the guided restore of a backup into a deployment, from the target's own backups or
another deployment's of the same team.

    RestoreWizard(target, deployment, backup=None)   # push_screen(..., callback) or push_screen_wait

Steps: choose the backup → safety backup (or a typed reason to skip it) → review the staged plan →
confirm (production: type its name) → follow to the result. Dismisses with the `RestoreResult`, or
None when the operator backed out (the staged import is dropped then). It also posts
`RestoreWizard.Finished(result, plan, skip_reason)` so a checklist can record what was done.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult

from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, RestorePlan
from tui.screens.restore_source import SourceStep
from tui.screens.restore_staged import StagedRestoreScreen


class RestoreWizard(StagedRestoreScreen):
    TITLE_VERB = "Restore"
    FIRST_STEPS = (("source", "Backup"),)

    def __init__(self, target: BackupTarget, deployment: DeploymentRef, backup: BackupRecord | None = None) -> None:
        super().__init__(target, deployment)
        self.backup = backup
        self.source: DeploymentRef | None = None

    def first_steps(self) -> ComposeResult:
        yield SourceStep(self.target, self.deployment, self.backup, id="source")

    def on_mount(self) -> None:
        self.show_step("source", "source")

    @on(SourceStep.Chosen)
    def _chosen(self, event: SourceStep.Chosen) -> None:
        if self.stage != "source":
            return
        self.source, self.backup = event.source, event.backup
        self.start_safety()

    def restore_backup(self) -> BackupRecord | None:
        return self.backup

    def source_has_storage(self) -> bool:
        return self.backup is None or self.backup.include_storage

    def staging_text(self) -> str:
        assert self.backup is not None
        return (f"Staging backup {self.backup.id} in {self.deployment.name}: the deployment reads it and "
                "counts what would change. Nothing changes yet.")

    async def stage_plan(self) -> RestorePlan:
        assert self.backup is not None
        source = self.source if self.source is not None and self.source.name != self.deployment.name else None
        return await self.target.prepare_restore(self.backup.id, self.deployment, source=source)
