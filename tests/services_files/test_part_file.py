"""The `.part` file a download writes: every byte lands at its offset with the running sha256 matching,
a resumed file carries on after its last byte, a full disk is `DiskFull` and sticks, nothing is written
after a failed write, and the page cache is left as it was found."""

from __future__ import annotations

import ctypes
import errno
import hashlib
import mmap
import os
import subprocess

import pytest

from tui.services.download_errors import DiskFull
from tui.services.part_file import PartFile


def pieces(*sizes: int) -> list[bytes]:
    return [os.urandom(size) for size in sizes]


def write_all(part: PartFile, chunks: list[bytes]) -> str:
    for chunk in chunks:
        part.write(chunk)
    digest = part.finish()
    part.close()
    return digest


def check_written(path, chunks: list[bytes], **options) -> None:
    """Write `chunks` into a new part file at `path`: the file and its sha256 must be exactly them."""
    part = PartFile(path, **options)
    part.open(keep_existing=False)
    digest = write_all(part, chunks)
    whole = b"".join(chunks)
    assert path.read_bytes() == whole and digest == hashlib.sha256(whole).hexdigest()


def test_chunks_of_any_size_land_whole_with_their_sha256(tmp_path):
    check_written(tmp_path / "a.zip.part", pieces(1 << 20, 1 << 20, 3 * 4096 + 123, 5000, 1 << 20, 17))


def test_a_resumed_file_carries_on_after_its_last_byte(tmp_path):
    path = tmp_path / "b.zip.part"
    kept = os.urandom(5000)
    path.write_bytes(kept)
    part = PartFile(path)
    assert part.open(keep_existing=True) == 5000
    more = pieces(1 << 20, 1 << 20)
    digest = write_all(part, more)
    whole = kept + b"".join(more)
    assert path.read_bytes() == whole and digest == hashlib.sha256(whole).hexdigest()


def test_a_short_write_is_completed(tmp_path):
    def short(fd, data, offset):
        return os.pwrite(fd, data[:1000], offset)

    check_written(tmp_path / "c.zip.part", pieces(1 << 20, 4321), writer=short)


def test_a_full_disk_is_a_disk_full_error(tmp_path):
    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")

    part = PartFile(tmp_path / "f.zip.part", writer=full, expected_size=1 << 21)
    part.open(keep_existing=False)
    with pytest.raises(DiskFull):
        part.write(os.urandom(1 << 20))
    with pytest.raises(DiskFull):  # and it stays full: nothing is written after the gap
        part.write(os.urandom(1 << 20))
    assert part.size == 0
    part.discard()
    assert list(tmp_path.iterdir()) == []


def test_restart_then_writes_start_again_at_zero(tmp_path):
    offsets = []

    def writer(fd, data, offset):
        offsets.append(offset)
        return os.pwrite(fd, data, offset)

    part = PartFile(tmp_path / "g.zip.part", writer=writer)
    part.open(keep_existing=False)
    part.write(os.urandom(1 << 20))
    part.restart()
    again = os.urandom(1 << 20)
    digest = write_all(part, [again])
    assert (tmp_path / "g.zip.part").read_bytes() == again and digest == hashlib.sha256(again).hexdigest()
    assert offsets[-1] == 0


def test_after_a_failed_write_nothing_more_is_written(tmp_path):
    """Chunks queued behind a failed one must not land at its offset (the file would lose a chunk)."""
    calls = []

    def failing_second(fd, data, offset):
        calls.append(offset)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        return os.pwrite(fd, data, offset)

    first, second, third = pieces(1 << 20, 1 << 20, 1 << 20)
    part = PartFile(tmp_path / "h.zip.part", writer=failing_second)
    part.open(keep_existing=False)
    part.write(first)
    for chunk in (second, third):
        with pytest.raises(OSError):
            part.write(chunk)
    part.close()
    assert len(calls) == 2 and part.size == len(first)
    assert (tmp_path / "h.zip.part").read_bytes() == first


def test_closing_without_finishing_keeps_every_byte_counted(tmp_path):
    """A download that gives up keeps its part file for the next run, every byte it counted in it."""
    chunks = pieces(1 << 20, 777)
    part = PartFile(tmp_path / "i.zip.part")
    part.open(keep_existing=False)
    for chunk in chunks:
        part.write(chunk)
    part.close()
    assert (tmp_path / "i.zip.part").read_bytes() == b"".join(chunks)
    again = PartFile(tmp_path / "i.zip.part")
    assert again.open(keep_existing=True) == part.size
    again.close()


def test_the_finished_file_leaves_the_page_cache(tmp_path):
    """A backup is written once and not read again soon: after the final fsync its pages are dropped."""
    kind = subprocess.run(["stat", "-f", "-c", "%T", str(tmp_path)], capture_output=True, text=True).stdout.strip()
    if kind in ("tmpfs", "ramfs"):
        pytest.skip(f"{tmp_path} is on {kind}: the page cache is where the file lives")
    path = tmp_path / "j.zip.part"
    size = 8 << 20
    part = PartFile(path)
    part.open(keep_existing=False)
    write_all(part, pieces(size))
    assert resident_pages(path, size) < size // mmap.PAGESIZE // 4


def resident_pages(path, size: int) -> int:
    """How many of the file's pages are in the page cache (mincore(2) over a mapping of it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_COPY)  # writable, so ctypes can address it
        try:
            start = (ctypes.c_char * size).from_buffer(mapped)
            vector = (ctypes.c_ubyte * (size // mmap.PAGESIZE))()
            assert libc.mincore(ctypes.c_void_p(ctypes.addressof(start)), ctypes.c_size_t(size), vector) == 0
            del start
            return sum(page & 1 for page in vector)
        finally:
            mapped.close()
