"""The line length guard every JSONL reader uses: a line of exactly the limit passes, one byte more is
refused with its own line number, however the stream is cut into chunks; and Convex's size metric."""

from __future__ import annotations

import pytest

from tui.archive.errors import ArchiveError
from tui.archive.limits import binary_size, document_size, too_large_text, value_size
from tui.archive.lines import LineLengthGuard, split_lines

LIMIT = 10


def _feed(data: bytes, chunk: int) -> int:
    """Feed `data` in pieces of `chunk` bytes, telling the guard the lines before each; the lines seen."""
    guard = LineLengthGuard("t/documents.jsonl", LIMIT)
    newlines = 0
    for start in range(0, len(data), chunk):
        piece = data[start : start + chunk]
        guard.feed(piece, newlines)
        newlines += piece.count(b"\n")
    return newlines + (not data.endswith(b"\n"))


@pytest.mark.parametrize("chunk", [1, 3, 10, 11, 64])
def test_a_line_at_the_limit_passes_and_one_byte_more_is_refused_with_its_number(chunk):
    good = b"a\n" + b"x" * LIMIT + b"\n" + b"y" * LIMIT
    assert _feed(good, chunk) == 3
    bad = b"a\n" + b"x" * LIMIT + b"\nb\n" + b"z" * (LIMIT + 1) + b"\nc\n"
    with pytest.raises(ArchiveError) as caught:
        _feed(bad, chunk)
    assert (caught.value.code, caught.value.member, caught.value.line) == ("LineTooLong", "t/documents.jsonl", 4)


def test_a_long_line_inside_one_big_chunk_is_found():
    for data, line in ((b"a\nb\n" + b"z" * (LIMIT + 5) + b"\nc\n", 3), (b"a\nb\n" + b"z" * (LIMIT + 5), 3)):
        with pytest.raises(ArchiveError) as caught:
            _feed(data, 1000)
        assert caught.value.line == line


def test_split_lines_refuses_before_holding_the_line():
    chunks = iter([b"ok\n"] + [b"\0" * (1 << 20)] * 40)  # 40 MiB with no newline
    lines = split_lines(chunks, "m/documents.jsonl")
    assert next(lines) == (1, b"ok")
    with pytest.raises(ArchiveError) as caught:
        next(lines)
    assert caught.value.line == 2 and "longer than 32 MiB" in str(caught.value)
    assert next(chunks, None) is not None  # it stopped reading long before the end


def test_convex_size_metric_and_message():
    assert value_size({"a": [None, True, 1, 1.5, "é", b"xy"]}) == 2 + (1 + 1 + 2 + 1 + 1 + 9 + 9 + 4 + 4)
    assert document_size({"_id": "k" * 32, "_creationTime": 1.5}) == value_size({"_id": "k" * 32, "_creationTime": 1.5})
    assert document_size({}) == value_size({"_id": "k" * 32, "_creationTime": 1.5})  # the fields an import adds
    assert too_large_text(1 << 20) is None
    assert too_large_text(20 << 20) == "Value is too large (20 MiB > maximum size 1 MiB)"
    assert binary_size(1000) == "1000 B" and binary_size(1536) == "1.50 KiB"


@pytest.mark.parametrize("chunk", [1, 3, 64, 1000])
def test_without_the_lines_before_the_refusal_names_the_byte_the_line_starts_at(chunk):
    for data, start in ((b"ab\n" + b"z" * (LIMIT + 1) + b"\n", 3), (b"a\nb\n" + b"z" * (LIMIT + 5) + b"\nc\n", 4)):
        guard = LineLengthGuard("m", LIMIT)
        with pytest.raises(ArchiveError) as caught:
            for at in range(0, len(data), chunk):
                guard.feed(data[at : at + chunk])
        assert caught.value.line is None and f"(the line that starts at byte {start})" in caught.value.message
