"""`RecordingTarget`: the checklist's step 2 hands the restore wizard a target that writes what the wizard
does into the checklist the moment it happens (the safety backup it takes, staging and confirming the
restore), so that the import id is on disk before the restore is followed: an app started again resumes
it instead of restoring twice (tui/screens/README.md "The emergency-restore checklist")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.services.checklist import operations as ops
from tui.services.checklist.state import Checklist
from tui.services.protocol import BackupTarget
from tui.services.records import BackupRecord, DeploymentRef, ProgressCallback, RestorePlan


class RecordingTarget:
    """Delegates everything to `target`; records the safety backup, `prepare_restore` and `confirm_restore`
    in the checklist."""

    def __init__(self, target: BackupTarget, checklist: Checklist) -> None:
        self._target = target
        self._checklist = checklist

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # the target's interface only; without `_target` yet, a lookup would recurse
            raise AttributeError(name)
        return getattr(self._target, name)

    def __repr__(self) -> str:
        return f"RecordingTarget({self._target!r})"

    async def request_backup(self, deployment: DeploymentRef, **options: Any) -> BackupRecord:
        """The wizard's safety backup: its id is kept, so a resumed checklist can say what it left behind."""
        started = await self._target.request_backup(deployment, **options)
        ops.restore_safety_requested(self._checklist, started.id)
        return started

    async def prepare_restore(
        self, backup_id: str, target: DeploymentRef, *, source: DeploymentRef | None = None
    ) -> RestorePlan:
        plan = await self._target.prepare_restore(backup_id, target, source=source)
        ops.restore_staged(self._checklist, plan)
        return plan

    async def prepare_file_import(
        self, path: Path, target: DeploymentRef, *, on_progress: ProgressCallback | None = None, **options: Any
    ) -> RestorePlan:
        plan = await self._target.prepare_file_import(path, target, on_progress=on_progress, **options)
        ops.restore_staged(self._checklist, plan)
        self._checklist.record(2, source_file=str(path))
        return plan

    async def confirm_restore(self, plan: RestorePlan) -> None:
        ops.restore_confirmed(self._checklist, plan)  # on disk first: never confirmed twice after a restart
        await self._target.confirm_restore(plan)
