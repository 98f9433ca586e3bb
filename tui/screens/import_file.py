"""`ImportFileDialog`: a snapshot ZIP from disk into a deployment, with the restore's safeguards.

    ImportFileDialog(target, deployment, path=None)

Steps: the file (an existing .zip; the service checks it again and refuses a damaged one before anything
is uploaded) → safety backup → review → confirm (production: type its name) → follow. Dismisses with
the `RestoreResult`, or None when backed out."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from tui.services.protocol import BackupTarget, DeploymentRef, RestorePlan
from tui.screens.restore_staged import StagedRestoreScreen
from tui.widgets.formatting import size


def check_path(text: str) -> tuple[Path | None, str]:
    """(the file, "") when it can be imported, else (None, why not)."""
    if not text.strip():
        return None, "Type the path of a snapshot ZIP (from convex-backups download or npx convex export)."
    path = Path(text.strip()).expanduser()
    if not path.exists():
        return None, f"{path} does not exist."
    if path.is_dir():
        return None, f"{path} is a folder; give the ZIP file inside it."
    if path.suffix.lower() != ".zip":
        return None, f"{path.name} is not a .zip file."
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        return None, f"{path} cannot be read ({exc.strerror})."
    if magic != b"PK\x03\x04":
        return None, f"{path.name} is not a ZIP archive (it does not start like one)."
    return path, ""


class FileStep(Vertical):
    def __init__(self, path: Path | None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="step")
        self.initial = path

    def compose(self) -> ComposeResult:
        yield Static("Choose the ZIP file", classes="step-title")
        yield Static("A snapshot ZIP from `convex-backups download`, the dashboard or `npx convex export`. "
                     "Importing it replaces every table of the deployment once you confirm.", markup=False)
        yield Input(value=str(self.initial or ""), placeholder="/path/to/snapshot.zip", id="file-path")
        yield Static("", id="file-note", markup=False)
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
        self.query_one("#file-path", Input).focus()

    @on(Input.Submitted, "#file-path")
    def _path(self, event: Input.Submitted) -> None:
        event.stop()
        if self.stage != "file":
            return
        path, why = check_path(event.value)
        note = self.query_one("#file-note", Static)
        if path is None:
            note.update(f"Refused: {why}")
            note.add_class("error-text")
            return
        self.path = path
        note.remove_class("error-text")
        note.update(f"{path.name}: {size(path.stat().st_size)}")
        self.start_safety()

    def staging_text(self) -> str:
        return (f"Checking and uploading {self.path.name if self.path else 'the file'} to {self.deployment.name}; "
                "a damaged file is refused before upload. Nothing changes yet.")

    async def stage_plan(self) -> RestorePlan:
        assert self.path is not None
        return await self.target.prepare_file_import(self.path, self.deployment, on_progress=self.on_staging_progress)
