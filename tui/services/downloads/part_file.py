"""The `<final>.part` file a download streams into: appends with a running sha256, an exclusive lock so two
downloads never write the same file, early writeback so the final fsync is short, and a clear `DiskFull`
(never a retry) when the disk or quota runs out. How the bytes reach the disk (O_DIRECT where it can) is
`block_writer`'s business.

`FileWriter` is the seam for writes (`os.pwrite` by default): tests hand in one that raises
`OSError(ENOSPC)` to play a full disk.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tui.services.downloads.block_writer import BlockWriter, FileWriter

__all__ = ["FileWriter", "PartFile", "fsync_folder"]
from tui.services.downloads.errors import DiskFull, DownloadBusy, is_disk_full

WRITEBACK_WINDOW = 32 * 1024 * 1024  # start writing dirty pages back every this many bytes
READ_CHUNK = 1 << 20  # a multiple of the block size: the last partial block is inside the last piece read


class PartFile:
    """Owns `<final>.part` while a download runs. Not thread-safe: one writer thread at a time."""

    def __init__(
        self, path: Path, *, writer: FileWriter = os.pwrite, expected_size: int | None = None, direct: bool = True
    ):
        self.path = Path(path)
        self.note_path = self.path.with_name(self.path.name + ".json")  # what the part file holds
        self.size = 0
        self.expected_size = expected_size
        self._writer = writer
        self._hash = hashlib.sha256()
        self._fd: int | None = None
        self._written_back = 0
        self._direct = direct
        self._blocks: BlockWriter | None = None

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
        self._blocks = BlockWriter(self.path, fd, writer=self._writer, direct=self._direct)
        if not keep_existing:
            self.restart()
            return 0
        self._hash = hashlib.sha256()
        self.size = 0
        last = b""
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, READ_CHUNK):
            self._hash.update(chunk)
            self.size += len(chunk)
            last = chunk
        self._blocks.reset(self.size, last)
        self._written_back = self.size
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
        self._require_blocks().reset(0)
        self._hash = hashlib.sha256()
        self.size = 0
        self._written_back = 0

    # -- writing -------------------------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Append `data`. After a failure every later write fails too, until `restart`."""
        with self._disk_full_as_error():
            self._require_blocks().append(data)
        self._hash.update(data)
        self.size += len(data)
        if self.size - self._written_back >= WRITEBACK_WINDOW:
            self._start_writeback()

    def _start_writeback(self) -> None:
        """Ask the kernel to start writing the last window to disk now (without waiting), so the final
        fsync does not have to flush the whole file at once."""
        fd = self._require_fd()
        if hasattr(os, "posix_fadvise"):
            try:
                os.posix_fadvise(fd, self._written_back, self.size - self._written_back, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass
        self._written_back = self.size

    def finish(self) -> str:
        """Write what waits in memory, fsync, and return the sha256 (hex) of the whole file."""
        fd = self._require_fd()
        with self._disk_full_as_error():
            self._require_blocks().flush()
            os.fsync(fd)
        return self._hash.hexdigest()

    def close(self) -> None:
        """Close, first writing what waits in memory (so that a later run resumes after every byte
        counted), unless the disk refuses it."""
        if self._blocks is not None:
            try:
                self._blocks.flush()
            except OSError:
                pass
            self._blocks.close()
            self._blocks = None
        if self._fd is not None:
            os.close(self._fd)  # also releases the lock
            self._fd = None

    def discard(self) -> None:
        """Close and remove the partial file and its note."""
        self.close()
        self.path.unlink(missing_ok=True)
        self.note_path.unlink(missing_ok=True)

    # -- the note: which download the bytes belong to, so a later run resumes only the same one ------
    def read_note(self) -> dict[str, Any] | None:
        try:
            note = json.loads(self.note_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return note if isinstance(note, dict) else None

    def write_note(self, body: dict[str, Any]) -> None:
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

    def _require_blocks(self) -> BlockWriter:
        if self._blocks is None:
            raise RuntimeError("the part file is not open")
        return self._blocks

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
