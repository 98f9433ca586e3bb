"""The `<final>.part` file a download streams into: appends with a running sha256, an exclusive lock so two
downloads never write the same file, and a clear `DiskFull` (never a retry) when the disk or quota runs out.
After the final fsync the file's pages are dropped from the page cache (`posix_fadvise`): a backup is
written once and not read again soon, and the operator's cache is spared.

`FileWriter` is the seam for writes (`os.pwrite` by default): tests hand in one that raises
`OSError(ENOSPC)` to play a full disk.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.services.download_errors import DiskFull, DownloadBusy, is_disk_full

FileWriter = Callable[[int, memoryview, int], int]  # like os.pwrite: (fd, data, offset) -> bytes written
READ_CHUNK = 1 << 20


class PartFile:
    """Owns `<final>.part` while a download runs. Not thread-safe: one writer thread at a time."""

    def __init__(self, path: Path, *, writer: FileWriter = os.pwrite, expected_size: int | None = None):
        self.path = Path(path)
        self.note_path = self.path.with_name(self.path.name + ".json")  # what the part file holds
        self.size = 0
        self.expected_size = expected_size
        self._writer = writer
        self._hash = hashlib.sha256()
        self._fd: int | None = None
        self._failure: OSError | None = None  # a failed write: bytes after a gap would land at the wrong offset

    def __repr__(self) -> str:
        return f"PartFile({str(self.path)!r}, size={self.size})"

    # -- life cycle ----------------------------------------------------------------------------------------
    def open(self, *, keep_existing: bool) -> int:
        """Open (creating it 0600) and lock; keep the bytes already there or start empty. Returns the
        size kept. The running sha256 covers the kept bytes (they are read back once)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DownloadBusy(str(self.path)) from None
        self._fd = fd
        self._failure = None
        if not keep_existing:
            self.restart()
            return 0
        self._hash = hashlib.sha256()
        self.size = 0
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, READ_CHUNK):
            self._hash.update(chunk)
            self.size += len(chunk)
        return self.size

    def read_existing(self, consume: Callable[[bytes], None], limit: int) -> None:
        """Hand the first `limit` bytes of the file to `consume`, in order (to re-feed a checker)."""
        with open(self.path, "rb") as handle:
            left = limit
            while left > 0 and (chunk := handle.read(min(READ_CHUNK, left))):
                consume(chunk)
                left -= len(chunk)

    def restart(self) -> None:
        """Throw away what was written and start again from byte 0."""
        fd = self._require_fd()
        os.ftruncate(fd, 0)
        self._failure = None
        self._hash = hashlib.sha256()
        self.size = 0

    # -- writing -------------------------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Append `data`. After a failure every later write fails too, until `restart`."""
        fd = self._require_fd()
        with self._disk_full_as_error():
            if self._failure is not None:
                raise OSError(self._failure.errno, f"an earlier write to this file failed ({self._failure.strerror})")
            view, at = memoryview(data), self.size
            try:
                while view:
                    written = self._writer(fd, view, at)
                    if written <= 0:
                        raise OSError(errno.EIO, "the file system accepted no bytes")
                    view, at = view[written:], at + written
            except OSError as exc:
                self._failure = exc
                raise
        self._hash.update(data)
        self.size += len(data)

    def finish(self) -> str:
        """fsync, drop the file from the page cache, and return the sha256 (hex) of the whole file."""
        fd = self._require_fd()
        with self._disk_full_as_error():
            os.fsync(fd)
        if hasattr(os, "posix_fadvise"):  # only clean pages are dropped: hence after the fsync
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        return self._hash.hexdigest()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # also releases the lock
            self._fd = None

    def discard(self) -> None:
        """Close and remove the partial file and its note."""
        self.close()
        self.path.unlink(missing_ok=True)
        self.note_path.unlink(missing_ok=True)

    # -- the note: which download the bytes belong to, so a later run resumes only the same one ------
    def read_note(self) -> dict | None:
        try:
            return json.loads(self.note_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_note(self, body: dict) -> None:
        self.note_path.write_text(json.dumps(body), encoding="utf-8")

    @contextmanager
    def _disk_full_as_error(self) -> Iterator[None]:
        """ENOSPC and EDQUOT become `DiskFull`: permanent, never retried."""
        try:
            yield
        except OSError as exc:
            if is_disk_full(exc):
                raise DiskFull(str(self.path.parent), self.expected_size) from None
            raise

    def _require_fd(self) -> int:
        if self._fd is None:
            raise RuntimeError("the part file is not open")
        return self._fd


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new name in `folder` durable."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
