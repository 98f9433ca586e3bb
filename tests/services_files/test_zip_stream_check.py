"""The while-downloading ZIP check: any split of the bytes gives the same verdict as reading the file back,
entries with data descriptors and ZIP64 fields are followed, layouts it cannot follow fall back to the
disk check, and a central directory that disagrees with the entries is caught. Every test runs with ISA-L's
inflater and with zlib's (the fallback when python-isal is not installed)."""

from __future__ import annotations

import io
import random
import zipfile
import zlib

import pytest
from zip_samples import damage_member, sample_zip

from tui.archive.errors import ArchiveError
from tui.archive.integrity import check_integrity, finish_check
from tui.archive import stream_check as zip_stream_check
from tui.archive.stream_check import OUTPUT_CHUNK, StreamingZipCheck


@pytest.fixture(autouse=True, params=["isal", "zlib"])
def inflater(request, monkeypatch):
    if request.param == "zlib":
        monkeypatch.setattr(zip_stream_check, "fast_zlib", zlib)
    elif zip_stream_check.fast_zlib is zlib:
        pytest.skip("python-isal is not installed")
    return request.param


class _Unseekable(io.RawIOBase):
    """A sink zipfile cannot seek in, so it writes data descriptors after each entry."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, chunk):
        self.data += chunk
        return len(chunk)


def _feed(data: bytes, sizes=(1, 2, 7, 30, 31, 1000, 65536), seed=3) -> StreamingZipCheck:
    check = StreamingZipCheck()
    rng = random.Random(seed)
    at = 0
    while at < len(data):
        size = rng.choice(sizes)
        check.feed(data[at : at + size])
        at += size
    return check


def _descriptor_zip(*, zip64: bool, stored_too: bool = False) -> bytes:
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", b"hello " * 100)
        with archive.open("users/documents.jsonl", "w", force_zip64=zip64) as handle:
            handle.write(b'{"name":"Ada"}\n' * 5000)
        if stored_too:
            info = zipfile.ZipInfo("notes/documents.jsonl")
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w") as handle:
                handle.write(b'{"n":1}\n' * 10)
    return bytes(sink.data)


def test_any_split_of_the_bytes_gives_the_same_result_as_the_disk_check(tmp_path):
    data = sample_zip(files=2, file_size=50_000, documents=200)
    path = tmp_path / "a.zip"
    path.write_bytes(data)
    for seed in range(3):
        check = _feed(data, seed=seed)
        assert check.complete and check.abandoned is None and check.position == len(data)
        streamed = finish_check(path, check)
        assert streamed.streamed
        from_disk = check_integrity(path)
        assert (streamed.entries, streamed.uncompressed_bytes, streamed.storage_files, streamed.storage_bytes) == (
            from_disk.entries,
            from_disk.uncompressed_bytes,
            from_disk.storage_files,
            from_disk.storage_bytes,
        )


@pytest.mark.parametrize("zip64", [False, True])
def test_entries_with_data_descriptors_are_followed(tmp_path, zip64):
    data = _descriptor_zip(zip64=zip64)
    check = _feed(data)
    assert check.complete and [m.name for m in check.members] == ["README.md", "users/documents.jsonl"]
    path = tmp_path / "d.zip"
    path.write_bytes(data)
    assert finish_check(path, check).streamed


def test_a_stored_entry_with_a_descriptor_falls_back_to_the_disk_check(tmp_path):
    data = _descriptor_zip(zip64=False, stored_too=True)
    check = _feed(data)
    assert check.abandoned and not check.complete
    path = tmp_path / "s.zip"
    path.write_bytes(data)
    report = finish_check(path, check)
    assert not report.streamed and report.entries == 3


def test_a_damaged_entry_is_reported_while_streaming():
    data = damage_member(sample_zip(files=1, file_size=80_000), "messages/")
    with pytest.raises(ArchiveError) as caught:
        _feed(data, sizes=(4096,))
    assert caught.value.code == "InvalidZip" and caught.value.member == "messages/documents.jsonl"


def test_a_central_directory_that_disagrees_with_the_entries_is_caught(tmp_path):
    data = bytearray(sample_zip(files=0, documents=50))
    check = _feed(bytes(data))
    assert check.complete
    central = data.rindex(b"PK\x01\x02")  # the last central directory record: change its CRC
    data[central + 16] ^= 0x01
    path = tmp_path / "c.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError) as caught:
        finish_check(path, check)
    assert "disagree" in str(caught.value)


def test_not_a_zip_at_all(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"<html>502 Bad Gateway</html>")
    check = _feed(path.read_bytes())
    assert not check.complete
    with pytest.raises(ArchiveError) as caught:
        finish_check(path, check)
    assert caught.value.code == "InvalidZip"


def test_entries_far_larger_than_their_compressed_bytes_are_inflated_in_bounded_pieces():
    """Zeros deflate about a thousandfold: each input piece must be asked for its output several times."""
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_tables/documents.jsonl", b"\0" * (12 * OUTPUT_CHUNK + 5))
        archive.writestr("notes/documents.jsonl", b'{"text":"%s"}\n' % (b"ab" * 40_000))
    data = sink.getvalue()
    whole = StreamingZipCheck()
    whole.feed(data)
    assert whole.complete and [m.size for m in whole.members] == [12 * OUTPUT_CHUNK + 5, 80_012]
    damaged = bytearray(data)
    damaged[data.index(b"PK\x01\x02") - 30] ^= 0x01  # inside the second entry's compressed bytes
    with pytest.raises(ArchiveError):
        _feed(bytes(damaged), sizes=(4096, 1 << 20))
