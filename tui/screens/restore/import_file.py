"""`ImportFileDialog`: a snapshot ZIP from disk into a deployment, with the restore's safeguards.

    ImportFileDialog(target, deployment, path=None)

Steps: the file (an existing .zip, verified at once: a damaged one is refused here, before any safety backup
or upload, with the commands that say more) → safety backup → review → confirm (production: type its name)
→ follow. Dismisses with the `RestoreResult`, or None when backed out."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.services.protocol import BackupTarget, DeploymentRef, RestorePlan
from tui.screens.restore.staged import StagedRestoreScreen
from tui.screens.restore.zip_chooser import ZipChooser, check_path

__all__ = ["FileStep", "ImportFileDialog", "check_path"]


class FileStep(Vertical):
    def __init__(self, path: Path | None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="step")
        self.initial = path

    def compose(self) -> ComposeResult:
        yield Static("Choose the ZIP file", classes="step-title")
        yield Static(
            "A snapshot ZIP from `convex-backups download`, the dashboard or `npx convex export`. "
            "Importing it replaces every table of the deployment once you confirm.",
            markup=False,
        )
        yield ZipChooser(self.initial, id="file-chooser")
        yield Static("enter check the file and go on · esc back out", classes="keys-hint")


class ImportFileDialog(StagedRestoreScreen):
    TITLE_VERB = "Import a ZIP"
    FIRST_STEPS = (("file", "File"),)

    def __init__(self, target: BackupTarget, deployment: DeploymentRef, path: Path | None = None) -> None:
        super().__init__(target, deployment)
        self.path = path

    def first_steps(self) -> ComposeResult:
        yield FileStep(self.path, id="file")

    def on_mount(self) -> None:
        self.show_step("file", "file")
        self.query_one(ZipChooser).focus_path()

    @on(ZipChooser.Verified)
    def _verified(self, event: ZipChooser.Verified) -> None:
        event.stop()
        if self.stage != "file":
            return
        self.path = event.path
        self.start_safety()

    def staging_text(self) -> str:
        return (
            f"Decoding every document of {self.path.name if self.path else 'the file'} and uploading it to "
            f"{self.deployment.name}; a bad document is refused before upload. Nothing changes yet."
        )

    async def stage_plan(self) -> RestorePlan:
        assert self.path is not None
        return await self.target.prepare_file_import(self.path, self.deployment, on_progress=self.on_staging_progress)
