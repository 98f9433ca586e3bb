"""Import a snapshot ZIP from disk into a deployment, in the three steps every restore takes:

1. `prepare_file_import`: check the ZIP locally (a bad one is refused before a byte is uploaded), refuse
   while another import is running, upload it (multipart, one part in memory at a time), wait until the
   deployment has parsed it and return the `RestorePlan` (per-table change summary from the import's
   checkpoints, the server's `message_to_confirm`, `require_manual_confirmation`). Nothing changed yet.
2. `confirm` (`perform_import`) only when the operator said yes, or `abandon` (`cancel_import`).
3. `follow` yields per-table `Progress` to the end; `result` says how it ended.

Works on any `DeploymentClient` (Cloud, self-hosted, the sandbox). The mode is `replaceAll` (what a
restore means) unless asked otherwise.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import Conflict
from tui.archive.errors import ArchiveError
from tui.archive.verify import verify_archive
from tui.services.restore import flow as restore_flow
from tui.archive.integrity import check_integrity
from tui.services.downloads.errors import RefusedArchive
from tui.services.errors import ReadOnlyRefused
from tui.services.protocol import DeploymentRef, Progress, ProgressCallback, RestorePlan, RestoreResult
from tui.services.downloads.sidecar import sha256_file

RUNNING_IMPORT_STATES = ("uploaded", "waiting_for_confirmation", "in_progress")


def check_before_upload(
    path: Path, *, full: bool = True, expected_sha256: str | None = None, on_progress: ProgressCallback | None = None
) -> None:
    """Raise `RefusedArchive` (a `CorruptArchive`) unless `path` is a sound snapshot ZIP: every document
    decoded (`full`) or the CRC/sha256 integrity check, and the whole file's sha256 when one is expected.
    Blocking."""
    started = time.monotonic()

    def say(message: str) -> None:
        if on_progress is not None:
            on_progress(Progress(message, elapsed=time.monotonic() - started, state="verifying"))

    try:
        if expected_sha256 is not None:
            say(f"Checking the sha256 of {path.name}")
            actual = sha256_file(path)
            if actual != expected_sha256:
                raise ArchiveError(
                    "Sha256Mismatch",
                    f"the file's sha256 is {actual}, not the {expected_sha256} recorded when it was saved",
                    hint="The file changed on disk since",
                )
        if full:
            say(f"Verifying {path.name} (every document)")
            verify_archive(path)
        else:
            say(f"Checking {path.name}")
            check_integrity(path)
    except ArchiveError as exc:
        raise RefusedArchive(str(path), exc) from None


async def refuse_if_importing(client: DeploymentClient) -> None:
    """Only one import runs at a time: say which one is in the way instead of queueing behind it."""
    for document in await client.list_imports():
        if document.state in RUNNING_IMPORT_STATES:
            where = f" --deployment {client.name}" if client.name else ""
            raise Conflict(
                f"{client.target} already has an import {document.state.replace('_', ' ')} ({document.id}): "
                f"wait for it to finish, or cancel it first (convex-backups cancel-import {document.id}{where}, "
                "or I in the app; a staged import has changed nothing).",
                code="ImportInProgress",
            )


async def upload_for_import(
    client: DeploymentClient,
    path: Path,
    *,
    on_progress: ProgressCallback | None = None,
    mode: str = "replaceAll",
    full_verify: bool = True,
    expected_sha256: str | None = None,
    verified: bool = False,
) -> str:
    """Check, then upload `path` as an import (state `uploaded`); returns its id. `verified=True` skips the
    local check (the caller just did it)."""
    path = Path(path)
    if not verified:
        await asyncio.to_thread(
            check_before_upload, path, full=full_verify, expected_sha256=expected_sha256, on_progress=on_progress
        )
    await refuse_if_importing(client)
    started = time.monotonic()

    def progress(sent: int, total: int) -> None:
        if on_progress is not None:
            on_progress(
                Progress(
                    f"Uploading {path.name}",
                    done=sent,
                    total=total,
                    fraction=sent / total if total else None,
                    elapsed=time.monotonic() - started,
                    state="uploading",
                )
            )

    return await client.upload_import(path, mode=mode, progress=progress)


class FileImport:
    """The plan/confirm/follow steps of imports into one deployment."""

    def __init__(self, client: DeploymentClient, *, use_sync: bool = True):
        self.client = client
        self.use_sync = use_sync
        self._started: dict[str, float] = {}

    async def prepare(
        self,
        path: Path,
        target: DeploymentRef,
        *,
        on_progress: ProgressCallback | None = None,
        mode: str = "replaceAll",
        full_verify: bool = True,
        expected_sha256: str | None = None,
        source: str | None = None,
        backup_id: str | None = None,
        verified: bool = False,
    ) -> RestorePlan:
        if target.read_only:
            raise ReadOnlyRefused(target.name, "import into")
        import_id = await upload_for_import(
            self.client,
            Path(path),
            on_progress=on_progress,
            mode=mode,
            full_verify=full_verify,
            expected_sha256=expected_sha256,
            verified=verified,
        )
        if on_progress is not None:
            on_progress(Progress("Waiting for the deployment to read the file", state="uploaded"))
        try:
            document = await restore_flow.wait_for_import(
                self.client,
                lambda documents: next((d for d in documents if d.id == import_id), None),
                use_sync=self.use_sync,
            )
        except BaseException:
            await self._cancel_quietly(import_id)
            raise
        self._started[import_id] = time.monotonic()
        return restore_flow.plan_from_import(document, source=source or str(path), target=target, backup_id=backup_id)

    async def confirm(self, plan: RestorePlan) -> None:
        if plan.target.read_only:
            raise ReadOnlyRefused(plan.target.name, "import into")
        await self.client.perform_import(plan.import_id)
        self._started[plan.import_id] = time.monotonic()

    async def abandon(self, plan: RestorePlan) -> None:
        await self._cancel_quietly(plan.import_id)

    async def follow(self, plan: RestorePlan) -> AsyncIterator[Progress]:
        async for progress in restore_flow.follow_import(self.client, plan.import_id, use_sync=self.use_sync):
            yield progress

    async def result(self, plan: RestorePlan) -> RestoreResult:
        return await restore_flow.import_result(self.client, plan.import_id, self._started.get(plan.import_id))

    async def _cancel_quietly(self, import_id: str) -> None:
        try:
            await self.client.cancel_import(import_id)
        except Conflict:
            pass  # already completed or failed: nothing to cancel
