"""Saving one backup as a ZIP file in a folder of the operator's choice: what every target's
`download_backup` does (see `BackupTarget.download_backup` for the promises).

- Cloud and sandbox backups are downloaded from the source deployment (`/api/export/zip/{snapshotId}`)
  by the download manager: resumable, verified, sha256 sidecar (`download_cloud_backup`).
- Self-hosted backups are already in this app's store: the ZIP is copied out, its sha256 compared with the
  one recorded when it was saved, under the same rules (a `.part` file, never overwriting, a sidecar)
  (`copy_stored_backup`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tui.api.errors import Conflict, ConvexApiError
from tui.archive.errors import ArchiveError
from tui.archive.layout import snapshot_filename
from tui.archive.integrity import IntegrityReport
from tui.services.downloads.errors import CorruptArchive, DownloadError, TargetExists
from tui.services.downloads.downloader import Downloader, DownloadProgress, DownloadResult, default_download_folder
from tui.services.downloads.part_file import FileWriter, PartFile, fsync_folder
from tui.services.protocol import BackupRecord
from tui.services.downloads.sidecar import write_sidecar

if TYPE_CHECKING:
    from tui.archive.verify import VerifyReport
    from tui.services.cloud.directory import CloudDirectory
    from tui.services.self_hosted.local_store import StoredBackup

COPY_CHUNK = 1 << 20
ProgressSink = Callable[[DownloadProgress], None]


def require_complete(record: BackupRecord) -> None:
    if record.state != "complete":
        raise Conflict(
            f"Backup {record.id} is {record.state}; only complete backups can be downloaded.", code="BackupNotComplete"
        )


async def download_cloud_backup(
    directory: CloudDirectory,
    record: BackupRecord,
    *,
    folder: Path | None,
    downloader: Downloader,
    progress: ProgressSink | None = None,
) -> DownloadResult:
    """A complete cloud backup, from the export it was made from on its source deployment."""
    require_complete(record)
    if not record.snapshot_id:
        raise ConvexApiError(f"Backup {record.id} names no export to download.", code="DownloadUnavailable")
    client = await directory.client(record.source_deployment)
    snapshot_id = record.snapshot_id
    return await downloader.download(
        lambda offset: client.download_export(snapshot_id, offset=offset),
        source=snapshot_id,
        folder=Path(folder) if folder else default_download_folder(),
        fallback_name=f"snapshot_{record.source_deployment}_{record.id}.zip",
        progress=progress,
    )


async def copy_stored_backup(
    stored: StoredBackup,
    *,
    folder: Path | None,
    downloader: Downloader,
    progress: ProgressSink | None = None,
) -> DownloadResult:
    """A backup from this app's store, copied out under Convex's file name."""
    folder = Path(folder) if folder else default_download_folder()
    name = snapshot_filename(stored.deployment, stored.snapshot_ts) if stored.snapshot_ts else f"backup_{stored.id}.zip"
    checked = stored.extra.get("integrity")
    integrity = IntegrityReport(**checked) if isinstance(checked, dict) else None
    return await asyncio.to_thread(
        copy_verified,
        stored.zip_path,
        folder / name,
        stored.sha256,
        progress=progress,
        writer=downloader.file_writer,
        integrity=integrity,
        full_verify=downloader.full_verify,
    )


def copy_verified(
    source: Path,
    final: Path,
    expected_sha256: str,
    *,
    progress: ProgressSink | None = None,
    writer: FileWriter = os.pwrite,
    integrity: IntegrityReport | None = None,
    full_verify: bool = False,
) -> DownloadResult:
    """Copy `source` to `final` through `<final>.part`, refusing to overwrite, checking the sha256 on the
    way (and decoding every document first with `full_verify`); then a sidecar. `integrity` is the check
    the stored ZIP passed when it was saved. Blocking."""
    started = time.monotonic()
    if final.exists():
        raise TargetExists(str(final))
    final.parent.mkdir(parents=True, exist_ok=True)
    total = source.stat().st_size
    part = PartFile(final.with_name(final.name + ".part"), writer=writer, expected_size=total)
    part.open(keep_existing=False)
    full: VerifyReport | None = None
    try:
        with open(source, "rb") as handle:
            while chunk := handle.read(COPY_CHUNK):
                part.write(chunk)
                if progress is not None:
                    elapsed = time.monotonic() - started
                    progress(
                        DownloadProgress(
                            "downloading",
                            part.size,
                            total,
                            part.size / elapsed if elapsed else 0.0,
                            elapsed,
                            "Copying from the backup store",
                        )
                    )
        digest = part.finish()
        if digest != expected_sha256:
            error = ArchiveError(
                "Sha256Mismatch",
                f"the stored ZIP's sha256 is {digest}, not the {expected_sha256} recorded when it was saved",
                hint="The backup store copy is damaged",
            )
            raise CorruptArchive(f"The stored backup {source.parent.name}", error)
        if full_verify:
            if progress is not None:
                progress(
                    DownloadProgress(
                        "verifying", total, total, 0.0, time.monotonic() - started, "Reading every document"
                    )
                )
            try:
                from tui.archive.verify import verify_archive  # rarely asked for: loaded then

                full = verify_archive(part.path)
            except ArchiveError as exc:
                raise CorruptArchive(f"The stored backup {source.parent.name}", exc) from None
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
    integrity = (
        replace(integrity, path=str(final)) if integrity else IntegrityReport(str(final), 0, 0, 0, 0, 0, 0, False)
    )
    if progress is not None:
        progress(DownloadProgress("done", total, total, 0.0, time.monotonic() - started, f"Saved {final.name}"))
    return DownloadResult(final, sidecar, digest, total, 0, 0, time.monotonic() - started, integrity, full)
