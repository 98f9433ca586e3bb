"""Comparing a backup with the deployment as it is now, or with another backup (tui/commands/README.md "Comparing a
backup with now"): both sides become snapshot ZIPs on disk, then the diff engine (tui/archive/snapshot_diff.py)
compares them in a thread.

- "now" is a fresh snapshot export of the deployment (the one `npx convex export` makes), downloaded and
  checked into the caller's temporary folder: it uses no backup slot and is not kept as a backup.
- A backup is its ZIP: the local store's own file for self-hosted backups, else downloaded (verified)
  into the temporary folder with the target's download code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tui.archive.snapshot_diff import DiffStore, DocumentChange, FieldChange, diff_snapshots  # noqa: F401 (for screens)
from tui.services.downloads.values import DownloadProgress
from tui.services.protocol import BackupTarget, DeploymentRef, Progress
from tui.services.sizes import human_size

NOW = "now"
ProgressCallback = Callable[[Progress], None]


def value_json(value: object) -> str:
    """A Convex value as export JSON text (bytes as {"$bytes": ...}, NaN as {"$float": ...})."""
    import json

    from tui.values.encoding import encode_export_value

    return json.dumps(encode_export_value(value), ensure_ascii=False)


def _say(on_progress: ProgressCallback | None, message: str, fraction: float | None = None) -> None:
    if on_progress is not None:
        on_progress(Progress(message, fraction=fraction, state="inProgress"))


async def snapshot_now(
    target: BackupTarget,
    deployment: DeploymentRef,
    folder: Path,
    *,
    include_storage: bool = True,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """A fresh snapshot export of `deployment`, downloaded into `folder`; its path."""
    from tui.services.checklist.data import client_for
    from tui.services.self_hosted.backup import wait_for_export

    client = await client_for(target, deployment)
    _say(on_progress, f"Taking a snapshot of {deployment.name} as it is now")
    await client.request_export(include_storage=include_storage)
    export = await client.latest_export()
    if export is None:
        from tui.api.errors import ProtocolError

        raise ProtocolError(f"{deployment.name} accepted the snapshot export but shows none.")
    export = await wait_for_export(
        client,
        export.id,
        use_sync=target.use_sync,
        on_progress=lambda m: _say(on_progress, f"Snapshot of now: {m or 'exporting'}"),
    )

    def step(p: DownloadProgress) -> None:
        _say(on_progress, f"Downloading the snapshot of now: {human_size(p.done)}", p.fraction)

    result = await target.downloader.download(
        lambda offset: client.download_export(export.id, offset=offset), source=export.id, folder=folder, progress=step
    )
    return result.path


async def backup_zip(
    target: BackupTarget,
    deployment: DeploymentRef,
    backup_id: str,
    folder: Path,
    *,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """The ZIP of backup `backup_id`: the store's own file when the target keeps backups locally, else a
    verified download into `folder`."""
    stored = await target.stored_zip(deployment, backup_id)
    if stored is not None:
        return stored

    def step(p: DownloadProgress) -> None:
        _say(on_progress, f"Downloading backup {backup_id}: {human_size(p.done)}", p.fraction)

    result = await target.download_backup(deployment, backup_id, folder=folder, progress=step)
    return result.path


async def compare_files(
    old: Path, new: Path, folder: Path, *, tables: list[str] | None = None, on_progress: ProgressCallback | None = None
) -> DiffStore:
    """Diff two ZIPs on disk into `folder/diff.sqlite`, in a thread (the event loop stays free)."""

    def step(table: str, done: int, total: int) -> None:
        _say(on_progress, f"Comparing {table}", done / total if total else None)

    return await asyncio.to_thread(
        diff_snapshots,
        old,
        new,
        Path(folder) / "diff.sqlite",
        tables=tables,
        progress=step if on_progress is not None else None,
    )


async def compare_backup(
    target: BackupTarget,
    deployment: DeploymentRef,
    backup_id: str,
    folder: Path,
    *,
    against: str = NOW,
    tables: list[str] | None = None,
    on_progress: ProgressCallback | None = None,
) -> DiffStore:
    """Backup `backup_id` (the old side) against `against`: "now" (a fresh snapshot) or another backup's id
    (the new side). Everything temporary goes into `folder`, which the caller removes."""
    folder = Path(folder)
    old = await backup_zip(target, deployment, backup_id, _made(folder / "old"), on_progress=on_progress)
    if against == NOW:  # with file storage only when the backup has it: else every file would look new
        record = await target.get_backup(deployment, backup_id)
        new = await snapshot_now(
            target, deployment, _made(folder / "new"), include_storage=record.include_storage, on_progress=on_progress
        )
    else:
        new = await backup_zip(target, deployment, against, _made(folder / "new"), on_progress=on_progress)
    return await compare_files(old, new, folder, tables=tables, on_progress=on_progress)


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
