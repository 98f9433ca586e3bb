"""`StagedImportGuard`: a `BackupTarget` that never leaves an import it staged behind.

A staged restore or import (`uploaded`, `waiting_for_confirmation`) that nobody confirms stays on the
deployment and blocks every later restore and import (tui/services/restore/staged_imports.py). So every staging is
written to this machine's ledger (tui/services/restore/staged_ledger.py) before it starts, and the import is
cancelled when it is not confirmed: when the operator backs out (`abandon_restore`), when staging fails
or times out, when the app closes with one still staged (`aclose`: quitting at the review step), and, for a
run that died, on the next start (`clean_left_behind`). A staged cloud restore is the urgent case: Convex's
dashboard confirms the newest one on its own as soon as anyone opens the Backups page. Everything else is
the wrapped target's.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from tui.api.errors import Conflict, ConvexApiError, NotFound, RequestTimeout
from tui.services.protocol import BackupTarget, DeploymentRef, ProgressCallback, RestorePlan
from tui.services.restore.staged_imports import ImportRecord
from tui.services.restore.staged_ledger import StagedEntry, StagedLedger

log = logging.getLogger("tui.services.restore.staged_guard")
CLOSE_CANCEL_TIMEOUT = 15.0  # seconds to cancel one staged import while closing
T = TypeVar("T")


def _is_staging_of(entry: StagedEntry, record: ImportRecord) -> bool:
    if entry.import_id is not None:
        return record.id == entry.import_id
    if entry.before is None or record.id in entry.before or record.requestor != entry.kind:
        return False
    return entry.kind != "cloudRestore" or str(record.source_cloud_backup_id) == entry.backup_id


class StagedImportGuard:
    def __init__(self, inner: BackupTarget, ledger: StagedLedger, target_kind: str):
        self._inner = inner
        self.ledger = ledger
        self.target_kind = target_kind
        self.cleanup_notes: list[str] = []  # what `clean_left_behind` did, for the operator

    def _note(self, change: Callable[..., T], *args: Any) -> T | None:
        """A change to the ledger; a home folder that cannot be written must not stop a restore."""
        try:
            return change(*args)
        except OSError as exc:
            log.warning("could not update %s (%s)", self.ledger.path, exc.strerror or type(exc).__name__)
            return None

    def __getattr__(self, name: str) -> Any:
        # The rest of `BackupTarget` (and what callers read of a concrete target) is the wrapped target's. Not its
        # private names: without `_inner` yet (a copy being made) looking one up would recurse forever.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __repr__(self) -> str:
        return f"StagedImportGuard({self._inner!r})"

    @property
    def inner(self) -> BackupTarget:
        return self._inner

    # -- staging ------------------------------------------------------------------------------------------
    async def prepare_restore(
        self, backup_id: str, target: DeploymentRef, *, source: DeploymentRef | None = None
    ) -> RestorePlan:
        # On self-hosted Convex a restore is this app's own ZIP uploaded as a snapshot import: the import it
        # stages is found by that kind (a cloud restore by its requestor and backup id).
        kind = "snapshotImport" if self.target_kind == "selfHosted" else "cloudRestore"
        entry = await self._record(target, kind, str(backup_id))
        return await self._staged(entry, self._inner.prepare_restore(backup_id, target, source=source))

    async def prepare_file_import(
        self, path: Path, target: DeploymentRef, *, on_progress: ProgressCallback | None = None, **options: Any
    ) -> RestorePlan:
        entry = await self._record(target, "snapshotImport", None)
        return await self._staged(
            entry, self._inner.prepare_file_import(path, target, on_progress=on_progress, **options)
        )

    async def confirm_restore(self, plan: RestorePlan) -> None:
        await self._inner.confirm_restore(plan)
        self._note(self.ledger.remove_import, plan.import_id)  # confirmed: no longer a staged import of ours

    async def abandon_restore(self, plan: RestorePlan) -> None:
        await self._inner.abandon_restore(plan)
        self._note(self.ledger.remove_import, plan.import_id)

    # -- listing and cancelling, with what this machine knows -----------------------------------------------
    async def list_imports(self, deployment: DeploymentRef) -> list[ImportRecord]:
        records = await self._inner.list_imports(deployment)
        known = {e.import_id: e for e in self._note(self.ledger.entries) or () if e.import_id}
        return [replace(r, staged_here=known[r.id].describe()) if r.id in known else r for r in records]

    async def cancel_import(self, deployment: DeploymentRef, import_id: str) -> None:
        await self._inner.cancel_import(deployment, import_id)
        self._note(self.ledger.remove_import, import_id)

    async def _record(self, target: DeploymentRef, kind: str, backup_id: str | None) -> StagedEntry | None:
        try:
            before: tuple[str, ...] | None = tuple(r.id for r in await self._inner.list_imports(target))
        except ConvexApiError:
            before = None  # staging will most likely fail too; if not, the import id still gets recorded
        return self._note(
            lambda: self.ledger.add(
                target_kind=self.target_kind, deployment=target.name, kind=kind, backup_id=backup_id, before=before
            )
        )

    async def _staged(self, entry: StagedEntry | None, staging: Awaitable[RestorePlan]) -> RestorePlan:
        try:
            plan = await staging
        except BaseException as exc:  # refused, failed, timed out or the operator backed out while it staged
            if entry is not None:
                # A cloud restore given up on (backed out, timed out) may have been asked for already and its
                # import not made yet: big brain makes it, and the dashboard would confirm it. Then the entry
                # stays, and closing the app or the next start looks again.
                keep = entry.kind == "cloudRestore" and isinstance(exc, (asyncio.CancelledError, RequestTimeout))
                await self._cancel_quietly(entry, keep_unmatched=keep)
            raise
        if entry is not None:
            self._note(self.ledger.set_import, entry.key, plan.import_id)
        return plan

    async def _cancel_quietly(self, entry: StagedEntry, *, keep_unmatched: bool = False) -> None:
        try:
            await self._settle(entry, keep_unmatched=keep_unmatched)
        except Exception as exc:  # noqa: BLE001 - the entry stays and the next start tries again
            log.warning(
                "could not cancel the import staged on %s (%s); the next start tries again",
                entry.deployment,
                type(exc).__name__,
            )

    async def _settle(self, entry: StagedEntry, *, keep_unmatched: bool = False) -> list[str]:
        """Cancel what `entry` staged if it is still unconfirmed, then forget the entry (with `keep_unmatched`
        not while no import of it is found); the ids cancelled."""
        try:
            deployment = await self._inner.get_deployment(entry.deployment)
        except NotFound:
            self.ledger.remove(entry.key)  # the deployment is gone, and its imports with it
            return []
        cancelled, found = [], False
        for record in await self._inner.list_imports(deployment):
            if _is_staging_of(entry, record):
                found = True
                if not record.staged:
                    continue
                try:
                    await self._inner.cancel_import(deployment, record.id)
                except Conflict:
                    continue  # it ended meanwhile
                cancelled.append(record.id)
        if found or not keep_unmatched:
            self.ledger.remove(entry.key)
        return cancelled

    # -- closing with something still staged ---------------------------------------------------------------
    async def aclose(self) -> None:
        """Cancel what this process staged and never confirmed (the operator quit at the review step), then
        close the wrapped target. Errors leave the entry for the next start."""
        try:
            mine = [e for e in self.ledger.entries() if e.target_kind == self.target_kind and e.pid == os.getpid()]
        except OSError:
            mine = []
        for entry in mine:
            try:  # bounded: an unreachable server must not hold up quitting (the next start tries again)
                settled = self._settle(entry, keep_unmatched=True)  # not made yet: the next start looks again
                for import_id in await asyncio.wait_for(settled, CLOSE_CANCEL_TIMEOUT):
                    log.warning(
                        "cancelled import %s on %s: it was staged and never confirmed", import_id, entry.deployment
                    )
            except Exception as exc:  # noqa: BLE001 - the next start tries again
                log.warning(
                    "could not cancel the import staged on %s (%s); the next start tries again",
                    entry.deployment,
                    type(exc).__name__,
                )
        await self._inner.aclose()

    # -- after a run that died ----------------------------------------------------------------------------
    async def clean_left_behind(self) -> list[str]:
        """Cancel the still-unconfirmed imports that runs of this app which are no longer alive staged on this
        kind of target; one note per cancelled import (also logged). Errors leave the entry for next time."""
        notes = []
        for entry in self.ledger.left_behind(self.target_kind):
            try:
                cancelled = await self._settle(entry)
            except Exception as exc:  # noqa: BLE001
                log.warning(
                    "could not check the import staged on %s by %s (%s)",
                    entry.deployment,
                    entry.describe(),
                    type(exc).__name__,
                )
                continue
            for import_id in cancelled:
                note = (
                    f"Cancelled import {import_id} on {entry.deployment}: it was staged by {entry.describe()}, "
                    "which ended before confirming it. No data was changed."
                )
                log.warning(note)
                notes.append(note)
        self.cleanup_notes.extend(notes)
        return notes


async def guard_staged_imports(target: BackupTarget, ledger: StagedLedger) -> StagedImportGuard:
    """Wrap `target` and clean up after earlier runs that died with an import staged."""
    info = await target.info()
    guarded = StagedImportGuard(target, ledger, info.kind)
    try:
        await guarded.clean_left_behind()
    except OSError as exc:  # an unreadable home folder: the imports are still listed and cancellable by hand
        log.warning("could not read %s (%s)", ledger.path, exc.strerror or type(exc).__name__)
    return guarded
