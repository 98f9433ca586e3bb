"""The fast paths of a ZIP import give exactly what the plain paths give: the parse phase shared with
a helper process, block-wise line splitting, the quick validity checks, and the execute phase's rows
read by a helper. Large tables take these paths; here the thresholds are lowered so that small
archives do."""

from __future__ import annotations

import random
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import pytest

import tui.archive.reader as reader_module
from tui.archive.errors import ArchiveError
from tui.archive.ids import _decode_id_checked, decode_id, encode_id, new_id
from tui.archive.values import (
    ConvexValueError,
    decode_export_document,
    decode_legacy_document,
    export_document_is_valid,
    legacy_document_is_valid,
)
from tui.emulator import import_helper
from tui.emulator.import_parse import scan_source
from tui.emulator.import_failures import ImportFailure
from tui.emulator.import_formats import open_source

NUMBER = 10001


def _document(rng: random.Random, i: int, number: int = NUMBER) -> dict:
    document = {"_creationTime": 1.7e12 + i + 0.5, "_id": new_id(number), "n": i, "body": "x" * rng.randint(0, 60)}
    if rng.random() < 0.05:
        del document["_id"]
    if rng.random() < 0.05:
        document["nested"] = {"a": [1, 2.5, {"$float": "AAAAAAAA+H8="}], "b": None}
    return document


_BAD_LINES = [
    lambda: b'{"_creationTime": 1.5, "_id": "notanid"}',
    lambda: b"{not json",
    lambda: b'{"a":1',  # truncated: the message depends on the line ending being left out
    lambda: orjson.dumps({"_creationTime": 1.5, "_id": new_id(NUMBER + 1)}),  # another table number
    lambda: b"",
    lambda: b"\r",
    lambda: b'\xef\xbb\xbf{"a":1}',
    lambda: orjson.dumps({"_creationTime": -5.0, "_id": new_id(NUMBER)}),
    lambda: orjson.dumps({"_creationTime": 1.5, "_id": new_id(NUMBER), "$bad": 1}),
    lambda: orjson.dumps({"_creationTime": 1.5, "_id": new_id(NUMBER), "_bad": 1}),
    lambda: orjson.dumps([1, 2]),
    lambda: orjson.dumps({"$bytes": "aGk="}),
]


def _archive(path: Path, rng: random.Random, *, faults: int) -> None:
    lines = [orjson.dumps(_document(rng, i)) for i in range(rng.randint(1, 250))]
    if rng.random() < 0.2:  # the second half from another deployment
        lines = [orjson.dumps(_document(rng, i, NUMBER + 1)) if i > len(lines) // 2 else line for i, line in enumerate(lines)]
    for _ in range(faults):
        lines[rng.randrange(len(lines))] = rng.choice(_BAD_LINES)()
    data = b"\n".join(lines) + (b"\n" if rng.random() < 0.7 else b"")
    if rng.random() < 0.2:
        data = data.replace(b"\n", b"\r\n")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("messages/documents.jsonl", data)
        archive.writestr("messages/generated_schema.jsonl", b'"uniform"\n')


def _parse(path: Path):
    try:
        with open_source(path, {"format": "zip"}, None) as source:
            facts = scan_source(None, source)
    except ImportFailure as failure:
        return ("failed", failure.code, failure.text)
    return {key: (f.rows, f.missing_id, f.id_number, f.id_line, f.first_number) for key, f in facts.items()}


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of a few lines, so that even a small table is shared between worker and helper."""
    monkeypatch.setattr(reader_module, "CHUNK", 400)


def test_import_parse_shared_with_a_helper_finds_what_one_scan_finds(tmp_path, monkeypatch, small_blocks):
    rng = random.Random(7)
    for case in range(40):
        path = tmp_path / f"case{case}.zip"
        _archive(path, rng, faults=rng.choice([0, 0, 1, 2]))
        monkeypatch.setattr(import_helper, "HELPER_MIN_BYTES", 1 << 62)
        alone = _parse(path)
        monkeypatch.setattr(import_helper, "HELPER_MIN_BYTES", 0)
        monkeypatch.setattr(import_helper, "HELPER_BLOCKS", rng.randint(0, 10))
        assert _parse(path) == alone, case


def test_import_parse_checks_everything_itself_when_the_helper_dies(tmp_path, monkeypatch, small_blocks):
    def dying_helper(request):
        code = "import sys; sys.stdin.buffer.read(64)"
        return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    rng = random.Random(8)
    for case in range(8):
        path = tmp_path / f"case{case}.zip"
        _archive(path, rng, faults=case % 2)
        monkeypatch.setattr(import_helper, "HELPER_MIN_BYTES", 1 << 62)
        alone = _parse(path)
        monkeypatch.setattr(import_helper, "HELPER_MIN_BYTES", 0)
        monkeypatch.setattr(import_helper, "_start", dying_helper)
        assert _parse(path) == alone, case
        monkeypatch.undo()
        monkeypatch.setattr(reader_module, "CHUNK", 400)


def _rows_archive(path: Path, rng: random.Random) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, uniform in (("alpha", True), ("beta", False)):
            lines = []
            for i in range(300):
                document = _document(rng, i)
                document.pop("nested", None)
                if rng.random() < 0.1:
                    document["_creationTime"] = int(document["_creationTime"])  # not a float: re-encoded
                line = orjson.dumps(document, option=orjson.OPT_SORT_KEYS if rng.random() < 0.5 else 0)
                if rng.random() < 0.05:
                    line = line.replace(b'"_creationTime":', b'"_creationTime" :')
                lines.append(line)
            archive.writestr(f"{name}/documents.jsonl", b"\n".join(lines) + b"\n")
            if uniform:
                archive.writestr(f"{name}/generated_schema.jsonl", b'"uniform"\n')


def test_import_rows_read_by_a_helper_are_the_rows_read_here(tmp_path, monkeypatch, small_blocks):
    path = tmp_path / "rows.zip"
    _rows_archive(path, random.Random(9))
    monkeypatch.setattr(import_helper, "HELPER_MIN_BYTES", 0)
    with open_source(path, {"format": "zip"}, None) as source:
        for table in source.tables:
            here = [row for block in source.local_row_blocks(table) for row in block]
            assert [row for block in source.row_blocks(table) for row in block] == here
            assert [row for block in source.local_row_blocks(table, skip=123) for row in block] == here[123:]
            # A helper that stops answering after a few blocks: the rest is read here.
            real = import_helper.read_frame
            calls = iter(range(1000))
            monkeypatch.setattr(import_helper, "read_frame", lambda stream: real(stream) if next(calls) < 3 else None)
            assert [row for block in source.row_blocks(table) for row in block] == here
            monkeypatch.setattr(import_helper, "read_frame", real)


def test_import_line_bodies_split_as_member_lines(tmp_path, monkeypatch):
    rng = random.Random(10)
    pieces = [b"", b"\r", b'{"a":1}\r', b'{"a"\r:1}', b'{"x":"y"}', b'{"x":"yyyyyyyyyyyyyyyy"}']
    for case in range(300):
        data = b"\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        data = (b"\xef\xbb\xbf" if rng.random() < 0.05 else b"") + data + (b"\n" if rng.random() < 0.6 else b"")
        path = tmp_path / "lines.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("t/documents.jsonl", data)
        monkeypatch.setattr(reader_module, "CHUNK", rng.choice([1, 3, 16, 1 << 20]))
        with reader_module.SnapshotReader(path) as reader:
            expected = _collect(lambda: ((n, line + b"\n") for n, line in reader.iter_member_lines("t/documents.jsonl")))
            assert _collect(lambda: _lines(reader.iter_line_blocks("t/documents.jsonl"))) == expected, (case, data)


def _lines(blocks):
    for first, lines in blocks:
        for offset, line in enumerate(lines):
            yield first + offset, line


def _collect(make) -> list:
    rows = []
    try:
        rows.extend(make())
    except ArchiveError as error:
        rows.append(("error", error.code, error.line))
    return rows


def test_import_quick_checks_agree_with_the_full_ones():
    rng = random.Random(11)
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    ids = [encode_id(number, bytes(rng.randrange(256) for _ in range(16))) for number in
           (1, 127, 128, 10001, 16383, 16384, 2**28, 2**32 - 1) for _ in range(20)]
    for text in list(ids):
        for _ in range(5):
            chars = list(text)
            chars[rng.randrange(len(chars))] = rng.choice(alphabet + "ilouA_ -")
            ids.append("".join(chars))
    ids += ["", "0" * 32, " " + ids[0][1:], 5, None]
    for text in ids:
        assert _outcome(decode_id, text) == _outcome(_decode_id_checked, text), text

    values = [1, 2.5, "s", True, None, 2**64 - 1, [], {}, {"$float": "AAAAAAAA+H8="}, {"$float": "AAAAAAAA8D8="},
              {"$bytes": "!!"}, {"$x": 1}, {"a b": 1}, {"_x": 1}, {"ok": [1, {"$bytes": "aGk="}]}]
    for _ in range(2000):
        document = {rng.choice(["a", "_id", "_x", "$float", "b c", "ok"]): rng.choice(values) for _ in range(3)}
        for quick, full in ((export_document_is_valid, decode_export_document),
                            (legacy_document_is_valid, decode_legacy_document)):
            if quick(document):
                assert isinstance(full(document), dict), document


def _outcome(function, value):
    try:
        return "ok", function(value)
    except (ValueError, ConvexValueError) as error:
        return "error", str(error)
