"""Why a download (or a file handed to the app) was not saved. They extend `tui.api.errors.ConvexApiError`,
so the one `except ConvexApiError` and exit-code table of the commands covers them too."""

from __future__ import annotations

import errno

from tui.api.errors import ConvexApiError
from tui.archive.errors import ArchiveError
from tui.services.sizes import human_size

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class DownloadError(ConvexApiError):
    """A download did not produce a verified file."""


class DiskFull(DownloadError):
    """No space left (or over quota) where the file was being written: permanent, never retried; the
    partial file is removed."""

    def __init__(
        self,
        folder: str,
        needed: int | None = None,
        *,
        advice: str = "free some space or download somewhere else with --to",
    ):
        more = f" (the backup is {human_size(needed)})" if needed else ""
        super().__init__(
            f"The disk holding {folder} is full{more}: {advice}. The partial file was removed.", code="DiskFull"
        )
        self.folder, self.needed = folder, needed


class TargetExists(DownloadError):
    """The final file name is taken: this app never overwrites a file silently."""

    def __init__(self, path: str):
        super().__init__(
            f"{path} already exists; it was left as it is. Move it away, or download somewhere else with --to.",
            code="FileExists",
        )
        self.path = path


class DownloadBusy(DownloadError):
    """Another download is writing the same partial file."""

    def __init__(self, path: str):
        super().__init__(f"Another download is already writing {path}: wait for it to finish.", code="DownloadBusy")


class CorruptArchive(DownloadError):
    """The bytes arrived but are not a sound snapshot ZIP (bad CRC, sha256, structure). Nothing was saved
    under the final name."""

    def __init__(self, what: str, error: ArchiveError):
        super().__init__(f"{what} is damaged and was not kept: {error}", code=error.code, detail=str(error))
        self.archive_error = error


class RefusedArchive(CorruptArchive):
    """A ZIP on disk that no import should take (damaged, or holding what Convex refuses): nothing was
    uploaded, and the file stays where it is."""

    def __init__(self, path: str, error: ArchiveError):
        DownloadError.__init__(
            self, f"{path} was not imported, nothing was uploaded: {error}", code=error.code, detail=str(error)
        )
        self.archive_error = error


class RetriesExhausted(DownloadError):
    """The connection kept failing; the partial file is kept so the next attempt resumes it."""

    retryable = True

    def __init__(self, message: str, last: ConvexApiError | None = None):
        super().__init__(
            message,
            code="RetriesExhausted",
            status=last.status if last else None,
            detail=last.message if last else None,
        )
        self.last = last


def is_disk_full(error: OSError) -> bool:
    return error.errno in DISK_FULL_ERRNOS
