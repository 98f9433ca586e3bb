"""The fast paths of a ZIP import give exactly what the plain paths give: block-wise line splitting and
the quick validity checks."""

from __future__ import annotations

import random
import zipfile

import tui.archive.reader as reader_module
from tui.archive.errors import ArchiveError
from tui.archive.ids import _decode_id_checked, decode_id, encode_id
from tui.values.encoding import (
    ConvexValueError,
    decode_export_document,
    decode_legacy_document,
    export_document_is_valid,
    legacy_document_is_valid,
)


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
            expected = _collect(
                lambda: ((n, line + b"\n") for n, line in reader.iter_member_lines("t/documents.jsonl"))
            )
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
    ids = [
        encode_id(number, bytes(rng.randrange(256) for _ in range(16)))
        for number in (1, 127, 128, 10001, 16383, 16384, 2**28, 2**32 - 1)
        for _ in range(20)
    ]
    for text in list(ids):
        for _ in range(5):
            chars = list(text)
            chars[rng.randrange(len(chars))] = rng.choice(alphabet + "ilouA_ -")
            ids.append("".join(chars))
    ids += ["", "0" * 32, " " + ids[0][1:], 5, None]
    for text in ids:
        assert _outcome(decode_id, text) == _outcome(_decode_id_checked, text), text

    values = [
        1,
        2.5,
        "s",
        True,
        None,
        2**64 - 1,
        [],
        {},
        {"$float": "AAAAAAAA+H8="},
        {"$float": "AAAAAAAA8D8="},
        {"$bytes": "!!"},
        {"$x": 1},
        {"a b": 1},
        {"_x": 1},
        {"ok": [1, {"$bytes": "aGk="}]},
    ]
    for _ in range(2000):
        document = {rng.choice(["a", "_id", "_x", "$float", "b c", "ok"]): rng.choice(values) for _ in range(3)}
        for quick, full in (
            (export_document_is_valid, decode_export_document),
            (legacy_document_is_valid, decode_legacy_document),
        ):
            if quick(document):
                assert isinstance(full(document), dict), document


def _outcome(function, value):
    try:
        return "ok", function(value)
    except (ValueError, ConvexValueError) as error:
        return "error", str(error)
