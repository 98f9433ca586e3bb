"""The import half of every restore (a cloud restore, a ZIP from disk, a self-hosted restore): wait until
the target has parsed the import and shows its change summary, turn that into a `RestorePlan`, confirm
only when told to, then follow the per-table checkpoints to the end.

Works on any `DeploymentClient`; uses the deployment's sync WebSocket for live values when it can.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Container
from contextlib import aclosing
from datetime import datetime, timezone

from tui.api.deployment.client import DeploymentClient
from tui.api.deployment.models import ImportCheckpoint, SnapshotImport
from tui.api.errors import ImportFailed, NotFound, RequestTimeout
from tui.api.deployment.sync_client import SyncClient
from tui.services.deployment.live_values import live_values
from tui.services.progress import Estimator
from tui.services.protocol import (
    DeploymentRef,
    Progress,
    RestorePlan,
    RestoreResult,
    RestoreState,
    TableChange,
    TableProgress,
)

STAGING_TIMEOUT = 30 * 60.0  # parsing a large ZIP can take a while
FINISHED_STATES = ("completed", "failed")


def _sync(client: DeploymentClient) -> SyncClient:
    return SyncClient(client.url, client.admin_key, name=client.name)


def is_storage(table: str) -> bool:
    """`_storage` (or a component's `<path>/_storage`): file storage, whose rows are files, not documents
    (Convex's `num_rows_written` of a completed import counts documents only)."""
    return table.rsplit("/", 1)[-1] == "_storage"


def table_name(checkpoint: ImportCheckpoint) -> str:
    path = checkpoint.component_path
    return f"{path}/{checkpoint.display_table_name}" if path else checkpoint.display_table_name


def changes_of(document: SnapshotImport) -> tuple[TableChange, ...]:
    return tuple(
        TableChange(table_name(c), c.total_num_rows_to_write, c.existing_rows_in_table, c.existing_rows_to_delete)
        for c in document.checkpoints
    )


def plan_from_import(
    document: SnapshotImport,
    *,
    source: str,
    target: DeploymentRef,
    backup_id: str | None = None,
    safety_backup_id: str | None = None,
) -> RestorePlan:
    manual = document.require_manual_confirmation
    if manual is None:
        manual = any(c.existing_rows_to_delete for c in document.checkpoints)
    return RestorePlan(
        source=source,
        target=target,
        changes=changes_of(document),
        message_to_confirm=document.message_to_confirm,
        require_manual_confirmation=manual,
        import_id=document.id,
        backup_id=backup_id,
        safety_backup_id=safety_backup_id,
    )


def progress_of(document: SnapshotImport | None, estimator: Estimator) -> Progress:
    if document is None:
        return Progress(
            "The import is gone from the deployment.", state="failed", finished=True, elapsed=estimator.elapsed
        )
    # A completed import wrote every document (and file) of every table: it is all or nothing. Its per-table
    # counters are progress counters and may lag behind the end, so a completed table shows its total,
    # however fast the import was (a watcher may never see a value in between).
    completed = document.state == "completed"
    tables = tuple(
        TableProgress(
            table_name(c),
            max(c.num_rows_written, c.total_num_rows_to_write) if completed else c.num_rows_written,
            c.total_num_rows_to_write,
            c.existing_rows_in_table,
            c.existing_rows_to_delete,
        )
        for c in document.checkpoints
    )
    done = sum(min(t.written, t.total) for t in tables)
    total = sum(t.total for t in tables)
    fraction = document.fraction
    state = document.state
    if state == "completed":
        message = f"Restored {document.num_rows_written or done:,} documents."
    elif state == "failed":
        message = f"The restore failed: {document.error_message or 'no reason given'}"
    elif state == "in_progress":
        message = document.progress_message or "Importing"
    elif state == "waiting_for_confirmation":
        message = "Waiting for confirmation."
    else:
        message = "Reading the backup."
    return Progress(
        message=message,
        done=done if total else None,
        total=total or None,
        fraction=fraction,
        elapsed=estimator.elapsed,
        eta=estimator.eta(fraction),
        state=state,
        finished=state in FINISHED_STATES,
        tables=tables,
    )


def result_of(document: SnapshotImport | None, elapsed: float) -> RestoreResult:
    if document is None:
        return RestoreResult("failed", None, "The import is gone from the deployment.", None, elapsed)
    finished = datetime.fromtimestamp(document.timestamp_ns / 1e9, timezone.utc) if document.timestamp_ns else None
    error = document.error_message if document.state == "failed" else None
    state: RestoreState = "in_progress"
    if document.state == "waiting_for_confirmation":
        state = "waiting_for_confirmation"
    elif document.state == "completed":
        state = "completed"
    elif document.state == "failed":
        state = "failed"
    return RestoreResult(state, document.num_rows_written, error, finished, elapsed)


async def wait_for_import(
    client: DeploymentClient,
    choose: Callable[[list[SnapshotImport]], SnapshotImport | None],
    *,
    until: Container[str] = ("waiting_for_confirmation", "in_progress", "completed", "failed"),
    timeout: float | None = None,  # STAGING_TIMEOUT
    use_sync: bool = True,
) -> SnapshotImport:
    """The import `choose` picks from the newest imports, once its state is in `until`. A failure while
    staging raises `ImportFailed` with the server's reason; no import within the timeout, `RequestTimeout`."""

    async def watch() -> SnapshotImport:
        subscribe = (lambda: _sync(client).watch_imports()) if use_sync else None
        async with aclosing(live_values(client.list_imports, subscribe)) as values:
            async for documents in values:
                document = choose(documents)
                if document is not None and document.state in until:
                    return document
        raise NotFound("The import disappeared from the deployment.")  # pragma: no cover

    timeout = STAGING_TIMEOUT if timeout is None else timeout
    try:
        async with asyncio.timeout(timeout):  # not `wait_for`, which on Python 3.11 can drop a cancel (sync_client.py)
            document = await watch()
    except TimeoutError:
        raise RequestTimeout(
            f"{client.target} did not get the import ready within {_span(timeout)}.", code="ImportTimeout"
        ) from None
    if document.state == "failed":
        raise ImportFailed(
            f"{client.target} could not read the backup: {document.error_message or 'no reason'}",
            code="ImportFailed",
            detail=document.error_message,
        )
    return document


def _span(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes" if seconds >= 120 else f"{seconds:.0f} seconds"


async def follow_import(client: DeploymentClient, import_id: str, *, use_sync: bool = True) -> AsyncIterator[Progress]:
    """Progress of one import until it completes or fails (the last value has `finished`)."""
    estimator = Estimator()
    subscribe = (lambda: _sync(client).watch_import(import_id)) if use_sync else None
    async with aclosing(live_values(lambda: client.get_import(import_id), subscribe)) as values:
        async for document in values:
            progress = progress_of(document, estimator)
            yield progress
            if progress.finished:
                return


async def import_result(client: DeploymentClient, import_id: str, started: float | None = None) -> RestoreResult:
    document = await client.get_import(import_id)
    return result_of(document, time.monotonic() - started if started else 0.0)
