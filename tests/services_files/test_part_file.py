"""The `.part` file a download writes: whole blocks go to disk with O_DIRECT, an unaligned tail waits for
the next write, and whatever path each byte takes, the file and its sha256 are exactly what was handed in
(fresh, resumed at an odd size, with O_DIRECT refused or cut short, with the disk full, after a failed
write)."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os

import pytest

from tui.services.downloads.errors import DiskFull
from tui.services.downloads.block_writer import DIRECT_BLOCK, DIRECT_FILE_SYSTEMS, file_system_type, type_in_mount_table
from tui.services.downloads.part_file import PartFile

pytestmark = pytest.mark.skipif(not hasattr(os, "O_DIRECT"), reason="O_DIRECT is Linux's")


@pytest.fixture(autouse=True)
def direct_io_works(tmp_path):
    """These tests need a local disk file system that takes O_DIRECT (ext4, xfs, btrfs...)."""
    probe = tmp_path / "probe"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    except OSError:
        pytest.skip(f"{tmp_path} does not take O_DIRECT")
    kind = file_system_type(fd)
    os.close(fd)
    probe.unlink()
    if kind not in DIRECT_FILE_SYSTEMS:
        pytest.skip(f"{tmp_path} is on {kind}, where downloads are written through the page cache")


class RecordingWriter:
    """os.pwrite, noting for every call whether it went through an O_DIRECT descriptor."""

    def __init__(self, refuse_direct_after: int | None = None, short_direct_at: int | None = None):
        self.calls: list[tuple[bool, int, int]] = []  # (direct, offset, length)
        self.refuse_direct_after = refuse_direct_after
        self.short_direct_at = short_direct_at

    def __call__(self, fd: int, data: memoryview, offset: int) -> int:
        direct = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT)
        if direct and self.refuse_direct_after is not None and self.direct_calls() >= self.refuse_direct_after:
            raise OSError(errno.EINVAL, "Invalid argument")
        if direct and self.short_direct_at is not None and self.direct_calls() == self.short_direct_at:
            data = data[:DIRECT_BLOCK]  # a short write: the rest is not aligned to the device any more
        self.calls.append((direct, offset, len(data)))
        return os.pwrite(fd, data, offset)

    def direct_calls(self) -> int:
        return sum(1 for direct, _, _ in self.calls if direct)


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


def test_whole_blocks_go_direct_and_the_rest_through_the_page_cache(tmp_path):
    writer = RecordingWriter()
    chunks = pieces(1 << 20, 1 << 20, 3 * DIRECT_BLOCK + 123, 5000, 1 << 20, 17)
    part = PartFile(tmp_path / "a.zip.part", writer=writer)
    part.open(keep_existing=False)
    digest = write_all(part, chunks)

    whole = b"".join(chunks)
    assert (tmp_path / "a.zip.part").read_bytes() == whole
    assert digest == hashlib.sha256(whole).hexdigest()
    direct = [(offset, length) for is_direct, offset, length in writer.calls if is_direct]
    buffered = [(offset, length) for is_direct, offset, length in writer.calls if not is_direct]
    assert sum(length for _, length in direct) > 0.95 * len(whole)
    assert all(offset % DIRECT_BLOCK == 0 and length % DIRECT_BLOCK == 0 for offset, length in direct)
    assert all(length < DIRECT_BLOCK for _, length in buffered)  # only heads and tails of blocks
    assert sum(length for _, length in direct + buffered) == len(whole)


def test_a_resumed_file_of_odd_size_is_realigned(tmp_path):
    path = tmp_path / "b.zip.part"
    kept = os.urandom(5000)
    path.write_bytes(kept)
    writer = RecordingWriter()
    part = PartFile(path, writer=writer)
    assert part.open(keep_existing=True) == 5000
    more = pieces(1 << 20, 1 << 20)
    digest = write_all(part, more)

    whole = kept + b"".join(more)
    assert path.read_bytes() == whole and digest == hashlib.sha256(whole).hexdigest()
    # The kept partial block is rewritten whole, so everything but the final tail goes direct.
    assert writer.calls[0][:2] == (True, DIRECT_BLOCK)
    assert [call for call in writer.calls if not call[0]] == [
        (False, len(whole) // DIRECT_BLOCK * DIRECT_BLOCK, len(whole) % DIRECT_BLOCK)
    ]


def test_o_direct_refused_while_writing_falls_back_to_the_page_cache(tmp_path):
    writer = RecordingWriter(refuse_direct_after=1)
    check_written(tmp_path / "c.zip.part", pieces(1 << 20, 1 << 20, 1 << 20), writer=writer)
    assert writer.direct_calls() == 1
    assert writer.calls[-1][0] is False


def test_a_short_direct_write_is_completed_through_the_page_cache(tmp_path):
    writer = RecordingWriter(short_direct_at=1)
    check_written(tmp_path / "d.zip.part", pieces(1 << 20, 1 << 20, 1 << 20), writer=writer)
    assert writer.direct_calls() == 2  # one whole chunk, then the short one; none after it


def test_without_o_direct_everything_is_buffered(tmp_path):
    writer = RecordingWriter()
    check_written(tmp_path / "e.zip.part", pieces(1 << 20, 4321), writer=writer, direct=False)
    assert writer.direct_calls() == 0


def test_a_full_disk_during_a_direct_write_is_a_disk_full_error(tmp_path):
    def full(fd, data, offset):
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.pwrite(fd, data, offset)

    part = PartFile(tmp_path / "f.zip.part", writer=full, expected_size=1 << 21)
    part.open(keep_existing=False)
    with pytest.raises(DiskFull):
        part.write(os.urandom(1 << 20))
    with pytest.raises(DiskFull):  # and it stays full: nothing is written after the gap
        part.write(os.urandom(1 << 20))
    assert part.size == 0
    part.discard()
    assert list(tmp_path.iterdir()) == []


def test_restart_then_direct_writes_start_again_at_zero(tmp_path):
    writer = RecordingWriter()
    part = PartFile(tmp_path / "g.zip.part", writer=writer)
    part.open(keep_existing=False)
    part.write(os.urandom(1 << 20))
    part.restart()
    again = os.urandom(1 << 20)
    digest = write_all(part, [again])
    assert (tmp_path / "g.zip.part").read_bytes() == again and digest == hashlib.sha256(again).hexdigest()
    assert writer.calls[-1][:2] == (True, 0)


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
    """A download that gives up keeps its part file for the next run: the tail waiting in memory is
    written when the file is closed."""
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


MOUNT_TABLE = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k
31 27 0:45 / /home/ops rw,relatime shared:12 master:3 - nfs4 files:/home/ops rw,vers=4.2
32 27 0:46 / /mnt/with\\040space rw - cifs //nas/backups rw
"""


@pytest.mark.parametrize(
    "device,kind", [("254:0", "ext4"), ("0:23", "tmpfs"), ("0:45", "nfs4"), ("0:46", "cifs"), ("8:1", None)]
)
def test_the_file_system_type_comes_from_the_mount_table(device, kind):
    assert type_in_mount_table(MOUNT_TABLE, device) == kind


def test_network_and_memory_file_systems_are_written_through_the_page_cache(tmp_path, monkeypatch):
    """An NFS home folder would make every direct write wait for the server; tmpfs is the page cache."""
    import tui.services.downloads.block_writer as block_writer

    for kind in ("nfs4", "cifs", "tmpfs", "fuse.sshfs"):
        monkeypatch.setattr(block_writer, "file_system_type", lambda fd, kind=kind: kind)
        writer = RecordingWriter()
        check_written(tmp_path / f"{kind}.zip.part", pieces(1 << 20, 1 << 20), writer=writer)
        assert writer.direct_calls() == 0, kind
