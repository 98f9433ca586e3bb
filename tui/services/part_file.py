"""The `<final>.part` file a download streams into: appends with a running sha256, an exclusive lock so two
downloads never write the same file, and a clear `DiskFull` (never a retry) when the disk or quota runs out.

Whole blocks are written with O_DIRECT where the file system allows it: a backup is written once and not
read again soon, and on the VMs ops boxes run on, copying 1 GB into the page cache and writing it back cost
the download 1-2.5 s of CPU, against 0.1 s this way (measured on this project's 2-core VM). It also leaves
the operator's page cache alone. The unaligned head and tail of a write go through the page cache, and so
does everything where O_DIRECT is refused (tmpfs, some network and FUSE file systems), with early writeback
so that the final fsync is short.

`FileWriter` is the seam for writes (`os.pwrite` by default): tests hand in one that raises
`OSError(ENOSPC)` to play a full disk.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import mmap
import os
from collections.abc import Callable
from pathlib import Path

from tui.services.download_errors import DiskFull, DownloadBusy, is_disk_full

FileWriter = Callable[[int, memoryview, int], int]  # like os.pwrite: (fd, data, offset) -> bytes written
WRITEBACK_WINDOW = 32 * 1024 * 1024  # start writing dirty pages back every this many bytes
READ_CHUNK = 1 << 20
DIRECT_BLOCK = 4096  # O_DIRECT offsets and lengths are multiples of this (covers 512- and 4096-byte devices)
STAGING = 1 << 20  # the page-aligned buffer O_DIRECT writes go through (the data handed in is not aligned)


class PartFile:
    """Owns `<final>.part` while a download runs. Not thread-safe: one writer thread at a time."""

    def __init__(self, path: Path, *, writer: FileWriter = os.pwrite, expected_size: int | None = None,
                 direct: bool = True):
        self.path = Path(path)
        self.note_path = self.path.with_name(self.path.name + ".json")  # what the part file holds
        self.size = 0
        self.expected_size = expected_size
        self._writer = writer
        self._hash = hashlib.sha256()
        self._fd: int | None = None
        self._written_back = 0
        self._want_direct = direct and hasattr(os, "O_DIRECT")
        self._direct_fd: int | None = None  # the same file opened with O_DIRECT, while it works
        self._staging: mmap.mmap | None = None

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
        self._open_direct()
        if not keep_existing:
            self.restart()
            return 0
        self._hash = hashlib.sha256()
        self.size = 0
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, READ_CHUNK):
            self._hash.update(chunk)
            self.size += len(chunk)
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
        os.lseek(fd, 0, os.SEEK_SET)
        self._hash = hashlib.sha256()
        self.size = 0
        self._written_back = 0

    # -- writing -------------------------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Append `data`: its whole aligned blocks with O_DIRECT when that is on, the rest buffered."""
        view = memoryview(data)
        offset = self.size
        try:
            if self._direct_fd is not None and len(view) >= DIRECT_BLOCK:
                head = -offset % DIRECT_BLOCK
                self._write_buffered(view[:head], offset)
                done = head + self._write_direct(view[head:len(view) - (len(view) - head) % DIRECT_BLOCK],
                                                 offset + head)
                view, offset = view[done:], offset + done
            self._write_buffered(view, offset)
        except OSError as exc:
            if is_disk_full(exc):
                raise DiskFull(str(self.path.parent), self.expected_size) from None
            raise
        self._hash.update(data)
        self.size += len(data)
        if self._direct_fd is None and self.size - self._written_back >= WRITEBACK_WINDOW:
            self._start_writeback()

    def _write_buffered(self, view: memoryview, offset: int) -> None:
        while view:
            written = self._writer(self._require_fd(), view, offset)
            if written <= 0:
                raise OSError("the file system accepted no bytes")
            view, offset = view[written:], offset + written

    def _write_direct(self, view: memoryview, offset: int) -> int:
        """Write whole blocks through the aligned staging buffer; returns how many bytes were written
        (fewer than asked when O_DIRECT stopped working: the caller writes the rest buffered)."""
        staging, done = self._staging, 0
        assert staging is not None
        while done < len(view) and self._direct_fd is not None:
            size = min(STAGING, len(view) - done)
            staging[:size] = view[done:done + size]
            try:
                written = self._writer(self._direct_fd, memoryview(staging)[:size], offset + done)
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
                written = 0  # refused after all (alignment rules of this file system): go buffered
            done += max(written, 0)
            if written != size:  # refused or cut short: what is left is no longer aligned
                self._close_direct()
        return done

    def _open_direct(self) -> None:
        if not self._want_direct or self._direct_fd is not None:
            return
        try:
            self._direct_fd = os.open(self.path, os.O_WRONLY | os.O_DIRECT)
        except OSError:  # EINVAL: this file system has no O_DIRECT
            return
        self._staging = mmap.mmap(-1, STAGING)  # anonymous mappings are page-aligned

    def _close_direct(self) -> None:
        if self._direct_fd is not None:
            os.close(self._direct_fd)
            self._direct_fd = None
        self._staging = None  # unmapped when the last view of it is gone

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
        """fsync and return the sha256 (hex) of the whole file."""
        fd = self._require_fd()
        try:
            os.fsync(fd)
        except OSError as exc:
            if is_disk_full(exc):
                raise DiskFull(str(self.path.parent), self.expected_size) from None
            raise
        return self._hash.hexdigest()

    def close(self) -> None:
        self._close_direct()
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
