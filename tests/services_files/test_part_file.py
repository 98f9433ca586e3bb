"""The `.part` file a download writes: whatever pieces arrive, the file and its sha256 are exactly what was
handed in (fresh, resumed at an odd size, restarted, with the disk full, after a failed write), and a
closed file keeps every byte counted for the next run."""

from __future__ import annotations

import ctypes
import errno
import hashlib
import mmap
import os

import pytest

from tui.services.downloads.errors import DiskFull
from tui.services.downloads.part_file import PartFile


class RecordingWriter:
    """os.pwrite, noting each call's (offset, length); with `most`, it writes at most that many bytes a call."""

    def __init__(self, most: int | None = None):
        self.calls: list[tuple[int, int]] = []
        self.most = most

    def __call__(self, fd: int, data: memoryview, offset: int) -> int:
        if self.most is not None:
            data = data[: self.most]
        self.calls.append((offset, len(data)))
        return os.pwrite(fd, data, offset)


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


def test_the_file_and_its_sha256_are_exactly_the_pieces(tmp_path):
    check_written(tmp_path / "a.zip.part", pieces(1 << 20, 1 << 20, 3 * 4096 + 123, 5000, 1 << 20, 17))


def test_short_writes_are_completed(tmp_path):
    writer = RecordingWriter(most=1000)
    check_written(tmp_path / "b.zip.part", pieces(5000, 4321), writer=writer)
    assert len(writer.calls) == 10 and writer.calls[5] == (5000, 1000)


def resident_fraction(path) -> float:
    """How much of the file is in the page cache (Linux `mincore` over a mapping of it, which reads nothing)."""
    libc = ctypes.CDLL(None, use_errno=True)
    size = path.stat().st_size
    pages = -(-size // mmap.PAGESIZE)
    vector = ctypes.create_string_buffer(pages)
    with open(path, "rb") as handle:
        mapping = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_COPY)
        start = ctypes.c_char.from_buffer(mapping)
        failed = libc.mincore(ctypes.byref(start), ctypes.c_size_t(size), vector)
        del start
        mapping.close()
    if failed:
        pytest.skip(f"mincore refused: {os.strerror(ctypes.get_errno())}")
    return sum(byte & 1 for byte in vector.raw) / pages


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="posix_fadvise is not on this system")
def test_a_finished_file_leaves_the_page_cache(tmp_path):
    """A backup is not read again soon: once it is on disk it does not crowd the operator's page cache."""
    probe = tmp_path / "probe"
    probe.write_bytes(os.urandom(1 << 20))
    with open(probe, "rb") as handle:
        os.fsync(handle.fileno())
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    if resident_fraction(probe) > 0.5:
        pytest.skip(f"{tmp_path} keeps its files in memory (tmpfs)")
    path = tmp_path / "c.zip.part"
    part = PartFile(path)
    part.open(keep_existing=False)
    for _ in range(8):
        part.write(os.urandom(1 << 20))
    assert resident_fraction(path) > 0.5  # written through the page cache
    part.finish()
    part.close()
    assert resident_fraction(path) < 0.1


def test_a_resumed_file_of_odd_size_continues_after_its_last_byte(tmp_path):
    path = tmp_path / "d.zip.part"
    kept = os.urandom(5000)
    path.write_bytes(kept)
    writer = RecordingWriter()
    part = PartFile(path, writer=writer)
    assert part.open(keep_existing=True) == 5000
    more = pieces(1 << 20, 1 << 20)
    digest = write_all(part, more)

    whole = kept + b"".join(more)
    assert path.read_bytes() == whole and digest == hashlib.sha256(whole).hexdigest()
    assert writer.calls[0] == (5000, 1 << 20)


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
    writer = RecordingWriter()
    part = PartFile(tmp_path / "g.zip.part", writer=writer)
    part.open(keep_existing=False)
    part.write(os.urandom(1 << 20))
    part.restart()
    again = os.urandom(1 << 20)
    digest = write_all(part, [again])
    assert (tmp_path / "g.zip.part").read_bytes() == again and digest == hashlib.sha256(again).hexdigest()
    assert writer.calls[-1] == (0, 1 << 20)


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
    """A download that gives up keeps its part file for the next run, which resumes after every byte
    counted."""
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
