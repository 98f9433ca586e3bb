"""Saving one backup as a ZIP file in a folder of the operator's choice, for every kind of target:

- Cloud and sandbox backups are downloaded from the source deployment (`/api/export/zip/{snapshotId}`,
  spec 3.7) by the download manager: resumable, verified, sha256 sidecar.
- Self-hosted backups are already in this app's store: the ZIP is copied out, its sha256 compared with the
  one recorded when it was saved, under the same rules (a `.part` file, never overwriting, a sidecar).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tui.api.errors import Conflict, ConvexApiError
from tui.archive.errors import ArchiveError
from tui.archive.layout import snapshot_filename
from tui.services.archive_integrity import IntegrityReport
from tui.services.download_errors import CorruptArchive, DownloadError, TargetExists
from tui.services.downloads import Downloader, DownloadProgress, DownloadResult, default_download_folder
from tui.services.part_file import FileWriter, PartFile, fsync_folder
from tui.services.protocol import BackupTarget, DeploymentRef
from tui.services.sidecar import write_sidecar

COPY_CHUNK = 1 << 20


async def save_backup(
    target: BackupTarget, deployment: DeploymentRef, backup_id: str, *, folder: Path | None = None,
    downloader: Downloader | None = None, progress: Callable[[DownloadProgress], None] | None = None,
) -> DownloadResult:
    folder = Path(folder) if folder else default_download_folder()
    stored_backup = getattr(target, "stored_backup", None)
    if stored_backup is not None:  # self-hosted: the backup is in this app's store already
        stored = stored_backup(deployment, backup_id)
        name = snapshot_filename(stored.deployment, stored.snapshot_ts) if stored.snapshot_ts else f"backup_{stored.id}.zip"
        writer = downloader.file_writer if downloader is not None else os.write
        checked = stored.extra.get("integrity")
        integrity = IntegrityReport(**checked) if isinstance(checked, dict) else None
        return await asyncio.to_thread(copy_verified, stored.zip_path, folder / name, stored.sha256,
                                       progress=progress, writer=writer, integrity=integrity)
    record = await target.get_backup(deployment, backup_id)
    if record.state != "complete":
        raise Conflict(f"Backup {record.id} is {record.state}; only complete backups can be downloaded.",
                       code="BackupNotComplete")
    opener = getattr(target, "download_opener", None)
    if opener is not None:
        open_download = await opener(deployment, record)
    else:
        open_download = await _cloud_opener(target, record)
    return await (downloader or Downloader()).download(
        open_download, source=record.snapshot_id or record.id, folder=folder,
        fallback_name=f"snapshot_{record.source_deployment}_{record.id}.zip", progress=progress,
    )


async def _cloud_opener(target: BackupTarget, record):
    """The source deployment's export download, through the Cloud target's deployment clients."""
    directory = getattr(target, "directory", None)
    if directory is None or not record.snapshot_id:
        raise ConvexApiError(f"This target cannot download backup {record.id}.", code="DownloadUnsupported")
    client = await directory.client(record.source_deployment)
    snapshot_id = record.snapshot_id
    return lambda offset: client.download_export(snapshot_id, offset=offset)


def copy_verified(source: Path, final: Path, expected_sha256: str, *,
                  progress: Callable[[DownloadProgress], None] | None = None,
                  writer: FileWriter = os.write, integrity: IntegrityReport | None = None) -> DownloadResult:
    """Copy `source` to `final` through `<final>.part`, refusing to overwrite, checking the sha256 on the
    way; then a sidecar. `integrity` is the check the stored ZIP passed when it was saved. Blocking."""
    started = time.monotonic()
    if final.exists():
        raise TargetExists(str(final))
    final.parent.mkdir(parents=True, exist_ok=True)
    total = source.stat().st_size
    part = PartFile(final.with_name(final.name + ".part"), writer=writer, expected_size=total)
    part.open(keep_existing=False)
    try:
        with open(source, "rb") as handle:
            while chunk := handle.read(COPY_CHUNK):
                part.write(chunk)
                if progress is not None:
                    elapsed = time.monotonic() - started
                    progress(DownloadProgress("downloading", part.size, total, part.size / elapsed if elapsed else 0.0,
                                              elapsed, "Copying from the backup store"))
        digest = part.finish()
        if digest != expected_sha256:
            error = ArchiveError("Sha256Mismatch", f"the stored ZIP's sha256 is {digest}, not the {expected_sha256} "
                                 "recorded when it was saved", hint="The backup store copy is damaged")
            raise CorruptArchive(f"The stored backup {source.parent.name}", error)
        try:
            os.link(part.path, final)
        except FileExistsError:
            raise TargetExists(str(final)) from None
        part.discard()
    except (DownloadError, OSError):
        part.discard()
        raise
    sidecar = write_sidecar(final, digest)
    fsync_folder(final.parent)
    integrity = replace(integrity, path=str(final)) if integrity else IntegrityReport(str(final), 0, 0, 0, 0, 0, 0, False)
    if progress is not None:
        progress(DownloadProgress("done", total, total, 0.0, time.monotonic() - started, f"Saved {final.name}"))
    return DownloadResult(final, sidecar, digest, total, 0, 0, time.monotonic() - started, integrity)
