"""`RestoreWizard`: the guided restore into a deployment, from any of its own backups, another deployment's
of the same team, or a snapshot ZIP on disk, so a deployment with no backups of its own can be restored too.

    RestoreWizard(target, deployment, backup=None)   # push_screen(..., callback) or push_screen_wait

Steps: choose the source → safety backup (or a typed reason to skip it) → review the staged plan →
confirm (production: type its name) → follow to the result. Dismisses with the `RestoreResult`, or
None when the operator backed out (the staged import is dropped then). It also posts
`RestoreWizard.Finished(result, plan, skip_reason)` so a checklist can record what was done.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult

from tui.services.protocol import BackupRecord, BackupTarget, DeploymentRef, RestorePlan
from tui.screens.restore_source import SourceStep
from tui.screens.restore_staged import StagedRestoreScreen
from tui.screens.restore_zip import ZipChooser


class RestoreWizard(StagedRestoreScreen):
    TITLE_VERB = "Restore"
    FIRST_STEPS = (("source", "Source"),)

    def __init__(self, target: BackupTarget, deployment: DeploymentRef, backup: BackupRecord | None = None) -> None:
        super().__init__(target, deployment)
        self.backup = backup
        self.source: DeploymentRef | None = None
        self.file: Path | None = None  # a ZIP on disk, when that is the source

    def first_steps(self) -> ComposeResult:
        yield SourceStep(self.target, self.deployment, self.backup, id="source")

    def on_mount(self) -> None:
        self.show_step("source", "source")

    @on(SourceStep.Chosen)
    def _chosen(self, event: SourceStep.Chosen) -> None:
        if self.stage != "source":
            return
        self.source, self.backup, self.file = event.source, event.backup, None
        self.start_safety()

    @on(ZipChooser.Verified)
    def _zip_chosen(self, event: ZipChooser.Verified) -> None:
        event.stop()
        if self.stage != "source":
            return
        self.source, self.backup, self.file = None, None, event.path
        self.start_safety()

    def restore_backup(self) -> BackupRecord | None:
        return self.backup

    def source_has_storage(self) -> bool:
        return self.backup is None or self.backup.include_storage

    def staging_text(self) -> str:
        if self.file is not None:
            return (f"Decoding every document of {self.file.name} and uploading it to {self.deployment.name}; a bad "
                    "document is refused before upload. Nothing changes yet.")
        assert self.backup is not None
        return (f"Staging backup {self.backup.id} in {self.deployment.name}: the deployment reads it and "
                "counts what would change. Nothing changes yet.")

    async def stage_plan(self) -> RestorePlan:
        if self.file is not None:
            return await self.target.prepare_file_import(self.file, self.deployment,
                                                         on_progress=self.on_staging_progress)
        assert self.backup is not None
        source = self.source if self.source is not None and self.source.name != self.deployment.name else None
        return await self.target.prepare_restore(self.backup.id, self.deployment, source=source)
