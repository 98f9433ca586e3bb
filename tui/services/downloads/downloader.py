"""Downloading a snapshot ZIP safely: `Downloader.download(open_download, ...)`.

- The bytes stream into `<final>.part` (mode 0600, locked), memory flat whatever the size.
- A dropped connection, a timeout, 429, 500 or 503 is retried with backoff and the download resumes with
  HTTP Range from the last byte written where the server offers it. Convex's own download handler ignores
  Range: its answer (200, the whole file) is taken as a fresh start from byte 0, and the
  progress says so (phase "restarting", and the retry message before it when the server sent no
  `Accept-Ranges: bytes`). Another range than asked is refused and the file starts again from byte 0.
  Failures in a row without progress are bounded (`RetryPlan.attempts`); progress resets that count. When
  they run out, the `.part` file is kept and the next run of the same download resumes it (a
  `<final>.part.json` note says which backup it holds), unless the server offers no Range: then it is
  removed, and the error says the next run starts over.
- Every entry's CRC-32 and size and every `_storage` file's sha256 are checked while the bytes arrive and
  completed against the central directory at the end (`tui.archive.integrity`); a damaged ZIP never gets the
  final name. `full_verify=True` also decodes every document (`tui.archive.verify`), much more slowly.
- Then: fsync, the final name by a link that cannot overwrite anything, a `<final>.sha256` sidecar in
  sha256sum's format, fsync of the folder.
- A full disk (ENOSPC, EDQUOT) is a `DiskFull` error at once, and the partial file is removed.

`open_download(offset)` is any function returning `DeploymentClient.download_export(id, offset=offset)`,
so the same code serves Cloud backups, self-hosted exports and the sandbox.
"""

from __future__ import annotations

import asyncio
import copy
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import ConvexApiError, InvalidRequest, NetworkError, NotFound, ProtocolError, ServerError
from tui.api.errors import RateLimited
from tui.api.deployment.export_download import ExportDownload
from tui.archive.errors import ArchiveError
from tui.archive.integrity import finish_check
from tui.services.downloads.errors import CorruptArchive, DownloadError, RetriesExhausted, TargetExists
from tui.services.downloads.pipeline import ChunkPipeline, RateMeter
from tui.services.downloads.values import DownloadProgress, DownloadResult, RetryPlan  # noqa: F401 (part of this API)
from tui.services.downloads.part_file import FileWriter, PartFile, fsync_folder
from tui.services.downloads.sidecar import write_sidecar
from tui.archive.stream_check import StreamingZipCheck
from tui.services.sizes import human_size

Opener = Callable[[int], AbstractAsyncContextManager[ExportDownload]]
_RETRIED = (NetworkError, ServerError, RateLimited)
PROGRESS_EVERY = 0.1  # seconds between progress reports while bytes arrive


def default_download_folder() -> Path:
    import platformdirs

    return Path(platformdirs.user_downloads_dir())


class _Restart(Exception):
    """Start again from byte 0 (the server ignored or garbled the Range, or the file changed)."""


class Downloader:
    def __init__(
        self,
        *,
        retry: RetryPlan = RetryPlan(),
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        file_writer: FileWriter = os.pwrite,
        clock: Callable[[], float] = time.monotonic,
        strict_storage: bool = True,
        full_verify: bool = False,
        chunk_size: int = 1 << 20,
    ):
        self.retry = retry
        self._sleep = sleep
        self.file_writer = file_writer
        self._clock = clock
        self.strict_storage = strict_storage
        self.full_verify = full_verify
        self.chunk_size = chunk_size

    def verifying(self, full_verify: bool) -> Downloader:
        """This downloader, or one like it that also decodes every document when `full_verify`."""
        if full_verify == self.full_verify:
            return self
        twin = copy.copy(self)
        twin.full_verify = full_verify
        return twin

    async def download(
        self,
        open_download: Opener,
        *,
        source: str,
        folder: Path | None = None,
        path: Path | None = None,
        fallback_name: str | None = None,
        progress: Callable[[DownloadProgress], None] | None = None,
    ) -> DownloadResult:
        """Download into `path`, or into `folder` (default ~/Downloads) under the server's file name.
        `source` names what is downloaded (an export id or timestamp): a `.part` left by an earlier run
        is resumed only when it was for the same source."""
        run = _Run(
            self,
            open_download,
            source,
            path,
            Path(folder) if folder else None,
            fallback_name or f"snapshot_{source}.zip",
            progress,
        )
        return await run.go()


class _Run:
    """One download from start to final name."""

    def __init__(
        self,
        owner: Downloader,
        opener: Opener,
        source: str,
        path: Path | None,
        folder: Path | None,
        fallback: str,
        progress: Callable[[DownloadProgress], None] | None,
    ):
        self.o = owner
        self.opener = opener
        self.source = source
        self.path = path
        self.folder = folder
        self.fallback = fallback
        self.progress = progress
        self.meter = RateMeter(owner._clock)
        self.final: Path | None = None
        self.part: PartFile | None = None
        self.pipeline: ChunkPipeline | None = None
        self.total: int | None = None
        self.resumes = self.restarts = 0
        self.ranges_offered = True  # until an answer shows no `Accept-Ranges: bytes`

    # -- progress ------------------------------------------------------------------------------------------
    def _report(self, phase: str, message: str = "", force: bool = False, received: int | None = None) -> None:
        if self.progress is None or not (force or self.meter.due()):
            return
        done = received if received is not None else (self.part.size if self.part else 0)
        self.progress(DownloadProgress(phase, done, self.total, self.meter.rate, self.meter.elapsed, message))

    # -- the whole run ------------------------------------------------------------------------------------
    async def go(self) -> DownloadResult:
        self._report("connecting", "Connecting", force=True)
        try:
            await self._transfer()
            return await self._publish()
        except (DownloadError, NotFound) as exc:
            # Damaged, disk full, gone, or the name taken: nothing worth resuming. After retries ran out
            # (and on anything else, such as a cancel), the part file stays for the next run to resume.
            if not isinstance(exc, RetriesExhausted) or not self.ranges_offered:  # nothing a later run could use
                await self._discard()
            raise
        finally:
            await self._close()

    async def _transfer(self) -> None:
        failures_in_a_row = failures = 0
        while True:
            before = self.part.size if self.part else 0
            try:
                if await self._attempt():
                    return
                continue  # an earlier run's part file was found: ask again from where it ends
            except _Restart as why:
                self.restarts += 1
                await self._start_over()
                failures_in_a_row, failures = failures_in_a_row + 1, failures + 1
                last: ConvexApiError | None = why.args[0] if why.args else None
            except _RETRIED as exc:
                await self._settle()
                last = exc
                progressed = self.part is not None and self.part.size > before
                failures_in_a_row = 1 if progressed else failures_in_a_row + 1
                failures += 1
            if failures_in_a_row > self.o.retry.attempts or failures > self.o.retry.max_failures:
                if self.part is not None and not self.ranges_offered:
                    where = (
                        " The server cannot resume a download (it ignores HTTP Range, as Convex does), so "
                        "the partial file was removed: run the download again to start it over."
                    )
                else:
                    where = f" {self.part.path} was kept: run the download again to resume it." if self.part else ""
                raise RetriesExhausted(f"The download kept failing ({last}).{where}", last)
            wait = self.o.retry.delay(failures_in_a_row)
            if last is not None and last.retry_after:
                wait = max(wait, min(last.retry_after, self.o.retry.max_delay * 4))
            again = "Retrying"
            if self.part is not None and self.part.size and not self.ranges_offered:
                again = f"{self._cannot_resume(self.part.size)} It starts again from the beginning"
            self._report("retrying", f"{last} {again} in {wait:.0f} s.", force=True)
            await self.o._sleep(wait)
            if self.part is not None and self.part.size:
                self.resumes += 1

    async def _attempt(self) -> bool:
        """One request. True when the whole file is in the part file; False to ask again at once."""
        offset = self.part.size if self.part else 0
        try:
            async with self.opener(offset) as download:
                if self.part is None:
                    kept = await self._open_part(download)
                    if kept and kept != self.total:
                        return False  # an earlier run's part file: continue it with a Range request
                    offset = kept
                if offset != download.offset and offset != self.total:
                    if download.offset != 0:
                        raise _Restart(None)
                    # The whole file again, as Convex's download handler always answers (it ignores
                    # Range): start over with this very answer rather than ask once more.
                    self.restarts += 1
                    await self._start_over()
                    self._report(
                        "restarting",
                        f"{self._cannot_resume(offset)} Starting again from the beginning.",
                        force=True,
                        received=0,
                    )
                    offset = 0
                if offset != self.total:
                    self.ranges_offered = download.accepts_ranges
                    await self._receive(download, offset)
        except ProtocolError as exc:  # a 206 for another range than asked
            raise _Restart(exc) from None
        except InvalidRequest as exc:
            if exc.code == "RangeNotSatisfiable":
                raise _Restart(exc) from None
            raise
        except ArchiveError as exc:
            raise CorruptArchive(self._what(), exc) from None
        await self._settle()
        assert self.part is not None  # `_receive` opened it
        size = self.part.size
        if self.total is not None and size < self.total:
            raise NetworkError("The connection ended before the whole file arrived.", code="ConnectionDropped")
        if self.total is not None and size > self.total:
            raise _Restart(None)
        return True

    async def _receive(self, download: ExportDownload, offset: int) -> None:
        self._check_total(download)
        self._report("downloading", force=True)
        pipeline = self.pipeline
        assert pipeline is not None
        received = offset

        def take(chunk: bytes) -> None:  # on the thread that reads the network
            nonlocal received
            pipeline.feed(chunk)
            received += len(chunk)

        # The bytes go from the network thread to the writer and checker threads; the event loop only
        # reports progress. The transport passes on what arrived before a drop, so the resume keeps it.
        pouring = asyncio.ensure_future(download.pour(take, self.o.chunk_size))
        try:
            while not pouring.done():
                await asyncio.wait({pouring}, timeout=PROGRESS_EVERY)
                self.meter.add(received)
                self._report("downloading", received=received)
        finally:
            if not pouring.done():
                pouring.cancel()
                await asyncio.wait({pouring})
        pouring.result()

    def _check_total(self, download: ExportDownload) -> None:
        total = download.total_size
        if total is not None and self.total is not None and total != self.total:
            raise _Restart(None)  # another file than the one being resumed
        if total is not None:
            self.total = total
            assert self.part is not None
            self.part.expected_size = total

    async def _open_part(self, download: ExportDownload) -> int:
        """Pick the final name, refuse an existing file, open the part file (keeping an earlier run's
        when it holds the same backup). Returns the bytes kept."""
        if self.path is not None:
            final = self.path
        else:
            folder = self.folder or default_download_folder()
            final = folder / (download.filename or self.fallback)
        if final.exists():
            raise TargetExists(str(final))
        self.final = final
        final.parent.mkdir(parents=True, exist_ok=True)
        self.total = download.total_size
        part = PartFile(final.with_name(final.name + ".part"), writer=self.o.file_writer, expected_size=self.total)
        note = {"source": self.source, "total": self.total}
        same = self.total is not None and part.read_note() == note
        kept = await asyncio.to_thread(part.open, keep_existing=same)
        if kept > (self.total or 0):
            kept = 0
            await asyncio.to_thread(part.restart)
        part.write_note(note)
        self.part = part
        self.pipeline = ChunkPipeline(part, StreamingZipCheck())
        if kept:
            await self.pipeline.refeed(kept)
            self.meter.add(kept)
            self.resumes += 1
        return kept

    async def _settle(self) -> None:
        if self.pipeline is not None:
            try:
                await self.pipeline.drain()
            except ArchiveError as exc:
                raise CorruptArchive(self._what(), exc) from None

    async def _start_over(self) -> None:
        if self.pipeline is None or self.part is None:
            return
        await self.pipeline.abandon()
        await self.pipeline.run(self.part.restart)
        self.pipeline.checker = StreamingZipCheck()
        self.meter.reset()

    # -- the end --------------------------------------------------------------------------------------------
    async def _publish(self) -> DownloadResult:
        part, pipeline, final = self.part, self.pipeline, self.final
        assert part is not None and pipeline is not None and final is not None
        self._report("verifying", "Checking the archive", force=True)
        digest = await pipeline.run(part.finish)
        try:
            integrity = await asyncio.to_thread(
                finish_check, part.path, pipeline.checker, strict_storage=self.o.strict_storage
            )
            full = None
            if self.o.full_verify:
                self._report("verifying", "Reading every document", force=True)
                from tui.archive.verify import verify_archive  # rarely asked for: loaded then

                full = await asyncio.to_thread(verify_archive, part.path, strict_storage=self.o.strict_storage)
        except ArchiveError as exc:
            raise CorruptArchive(self._what(), exc) from None
        try:
            os.link(part.path, final)  # fails rather than replace a file that appeared meanwhile
        except FileExistsError:
            raise TargetExists(str(final)) from None
        except OSError:
            if final.exists():
                raise TargetExists(str(final)) from None
            os.rename(part.path, final)
        part.discard()
        sidecar = await asyncio.to_thread(write_sidecar, final, str(digest))
        fsync_folder(final.parent)
        result = DownloadResult(
            final, sidecar, str(digest), part.size, self.resumes, self.restarts, self.meter.elapsed, integrity, full
        )
        self._report("done", f"Saved {final.name}", force=True)
        return result

    def _cannot_resume(self, kept: int) -> str:
        return (
            f"The server cannot resume a download (it ignores HTTP Range, as Convex does): the "
            f"{human_size(kept)} received are discarded."
        )

    def _what(self) -> str:
        return f"The download of {self.source}"

    async def _discard(self) -> None:
        if self.pipeline is not None:
            await self.pipeline.abandon()
        if self.part is not None:
            self.part.discard()

    async def _close(self) -> None:
        if self.pipeline is not None:
            await self.pipeline.abandon()
            self.pipeline.close()
        if self.part is not None:
            self.part.close()


async def download_export(
    client: DeploymentClient, id_or_ts: str | int, *, downloader: Downloader | None = None, **kwargs: Any
) -> DownloadResult:
    """Download export `id_or_ts` of the deployment `client` talks to (see `Downloader.download`)."""
    downloader = downloader or Downloader()
    return await downloader.download(
        lambda offset: client.download_export(id_or_ts, offset=offset), source=str(id_or_ts), **kwargs
    )


__all__ = [
    "DownloadProgress",
    "DownloadResult",
    "Downloader",
    "RetryPlan",
    "default_download_folder",
    "download_export",
]
