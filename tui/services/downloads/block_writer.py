"""How a download's bytes reach its `.part` file: whole 4 KiB blocks with O_DIRECT where the file system
takes it, through the page cache where it does not.

A backup is written once and not read again soon. On the VMs ops boxes run on, copying 1 GB into the page
cache and writing it back cost 1.9-2.6 s of CPU, against 0.1 s with O_DIRECT (measured on this project's
2-core VM), and O_DIRECT leaves the operator's page cache alone.

O_DIRECT wants block-aligned offsets and lengths, so the unaligned tail of each write waits in memory
(`pending`, under one block) and goes out in front of the next write; `flush` writes it through the page
cache at the end. After a resume at an odd size, the file's last partial block is taken back into
`pending` and rewritten whole, so a resumed download is written direct too. Where O_DIRECT is refused
(at open, or EINVAL or a short write later), the rest of the file is written through the page cache.

O_DIRECT is used only on local disk file systems (`DIRECT_FILE_SYSTEMS`): on NFS or SMB each direct write
would wait for a round trip to the server (home folders on ops boxes are often there), tmpfs is the page
cache itself, and others may take the flag without honouring it.

After any failed write the writer refuses further writes until `reset`: bytes written after a gap would
land at the wrong offset.
"""

from __future__ import annotations

import errno
import mmap
import os
from collections.abc import Callable
from pathlib import Path

FileWriter = Callable[[int, memoryview, int], int]  # like os.pwrite: (fd, data, offset) -> bytes written
DIRECT_BLOCK = 4096  # O_DIRECT offsets and lengths are multiples of this (covers 512- and 4096-byte devices)
STAGING = 1 << 20  # the page-aligned buffer O_DIRECT writes go through (the data handed in is not aligned)
DIRECT_FILE_SYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs"})
MOUNT_TABLE = Path("/proc/self/mountinfo")


class BlockWriter:
    """Appends to the file open as `fd` (whose path is `path`). Not thread-safe."""

    def __init__(self, path: str | os.PathLike[str], fd: int, *, writer: FileWriter = os.pwrite, direct: bool = True):
        self._fd = fd
        self._writer = writer
        self._direct_fd: int | None = None  # the same file opened with O_DIRECT, while it works
        self._staging: mmap.mmap | None = None
        self._pending = b""  # accepted, not yet in the file: the unaligned tail (always < DIRECT_BLOCK)
        self._on_disk = 0  # where `_pending` starts: every byte before it has been written
        self._failure: OSError | None = None
        if direct and hasattr(os, "O_DIRECT") and file_system_type(fd) in DIRECT_FILE_SYSTEMS:
            self._open_direct(path)

    @property
    def direct(self) -> bool:
        return self._direct_fd is not None

    def reset(self, size: int, last_block: bytes = b"") -> None:
        """The file now holds `size` bytes, the last of which are `last_block` (used to realign: pass at
        least the last `size % DIRECT_BLOCK` bytes)."""
        self._failure = None
        tail = size % DIRECT_BLOCK if self.direct else 0
        if len(last_block) < tail:
            raise ValueError("the file's last partial block is needed to realign it")
        self._pending = bytes(last_block[len(last_block) - tail :]) if tail else b""
        self._on_disk = size - tail

    def append(self, data: bytes | memoryview) -> None:
        """Raises `OSError` (the first failure, then again for every later call)."""
        if self._failure is not None:
            raise OSError(self._failure.errno, f"an earlier write to this file failed ({self._failure.strerror})")
        try:
            view = memoryview(data)
            if self.direct:
                view = self._append_direct(view)
            if view:
                self._write_buffered(self._take_pending() + bytes(view) if self._pending else view)
        except OSError as exc:
            self._failure = exc
            raise

    def flush(self) -> None:
        """Write what waits in memory (through the page cache)."""
        if self._pending and self._failure is None:
            self._write_buffered(memoryview(self._take_pending()))

    def close(self) -> None:
        if self._direct_fd is not None:
            os.close(self._direct_fd)
            self._direct_fd = None
        self._staging = None  # unmapped when the last view of it is gone

    # -- the two ways to the file ----------------------------------------------------------------------
    def _append_direct(self, view: memoryview) -> memoryview:
        """Write every whole block of `pending + view` with O_DIRECT; keep the rest pending. Returns what
        is left to write through the page cache if O_DIRECT stopped working (else an empty view)."""
        staging = self._staging
        assert staging is not None
        while self.direct and len(self._pending) + len(view) >= DIRECT_BLOCK:
            head = len(self._pending)
            size = min(STAGING, (head + len(view)) // DIRECT_BLOCK * DIRECT_BLOCK)
            staging[:head] = self._pending
            staging[head:size] = view[: size - head]
            direct_fd = self._direct_fd
            assert direct_fd is not None  # self.direct
            try:
                written = self._writer(direct_fd, memoryview(staging)[:size], self._on_disk)
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
                written = 0  # refused after all (alignment rules of this file system): go buffered
            written = max(written, 0)
            if written < size:  # refused or cut short: the rest is no longer aligned
                self.close()
                self._pending = bytes(staging[written:size])
            else:
                self._pending = b""
            self._on_disk += written
            view = view[size - head :]
        if self.direct:
            self._pending += bytes(view)
            return view[:0]
        return view

    def _write_buffered(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            written = self._writer(self._fd, view, self._on_disk)
            if written <= 0:
                raise OSError(errno.EIO, "the file system accepted no bytes")
            view = view[written:]
            self._on_disk += written

    def _take_pending(self) -> bytes:
        pending, self._pending = self._pending, b""
        return pending

    def _open_direct(self, path: str | os.PathLike[str]) -> None:
        try:
            direct_fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
        except OSError:  # EINVAL: this file system has no O_DIRECT
            return
        locked, opened = os.fstat(self._fd), os.fstat(direct_fd)
        if (locked.st_dev, locked.st_ino) != (opened.st_dev, opened.st_ino):  # the path was swapped meanwhile
            os.close(direct_fd)
            return
        self._direct_fd = direct_fd
        self._staging = mmap.mmap(-1, STAGING)  # anonymous mappings are page-aligned


def file_system_type(fd: int) -> str | None:
    """The type of the file system holding the open file `fd` ("ext4", "nfs4", ...), from the mount table;
    None where there is no mount table (not Linux) or the device is not in it."""
    device = os.fstat(fd).st_dev
    try:
        table = MOUNT_TABLE.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return type_in_mount_table(table, f"{os.major(device)}:{os.minor(device)}")


def type_in_mount_table(table: str, device: str) -> str | None:
    """The file system type of `device` ("major:minor") in the text of /proc/self/mountinfo: each line is
    `id parent major:minor root mount-point options [optional fields] - type source super-options`."""
    for line in table.splitlines():
        fields = line.split(" ")
        if len(fields) > 2 and fields[2] == device and " - " in line:
            return line.split(" - ", 1)[1].split(" ", 1)[0]
    return None
