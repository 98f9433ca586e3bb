"""Every kind of bad archive ends in an ArchiveError with the right code, member and line; nothing else escapes."""

from __future__ import annotations

import base64
import hashlib
import random
import struct
import warnings
import zipfile
from pathlib import Path

import orjson
import pytest

from tui.archive.errors import CONVEX_CODES, OWN_CODES, ArchiveError
from tui.archive.ids import encode_id
from tui.archive.inspect import inspect_archive
from tui.archive.reader import SnapshotReader
from tui.archive.verify import verify_archive
from tui.archive.writer import SnapshotWriter

USERS = 10001
DOCS = "users/documents.jsonl"
TABLES = "_tables/documents.jsonl"
STORAGE = "_storage/documents.jsonl"


def sid(table_number: int, n: int) -> str:
    return encode_id(table_number, n.to_bytes(16, "big"))


def uid(n: int) -> str:
    return sid(USERS, n)


def user(n: int, **extra: object) -> dict:
    return {"_creationTime": 1712345678901.5 + n, "_id": uid(n), "name": f"user{n}", **extra}


def jsonl(*rows: object) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def with_users(documents: bytes, *, tables: bytes | None = None, extra: list | None = None) -> list:
    tables = jsonl({"name": "users", "id": USERS}) if tables is None else tables
    entries = [("README.md", b"hi\n")]
    if tables:
        entries.append((TABLES, tables))
    entries += [(DOCS, documents), ("users/generated_schema.jsonl", b'"uniform"\n')]
    return entries + (extra or [])


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def storage_row(n: int, data: bytes, **overrides: object) -> dict:
    row = {
        "_id": sid(540, n),
        "_creationTime": 1712345678000.5,
        "sha256": sha(data),
        "size": len(data),
        "contentType": "text/plain",
        "internalId": "3f2b8c1e-5d7a-4e9b-a1c2-0123456789ab",
    }
    row.update(overrides)
    return row


def with_storage(rows: list[dict], files: dict[str, bytes]) -> list:
    file_entries = [(f"_storage/{name}", data) for name, data in files.items()]
    return with_users(jsonl(user(1)), extra=[(STORAGE, jsonl(*rows)), *file_entries])


def expect(path: Path, code: str, member: str | None, line: int | None, **kwargs: object) -> ArchiveError:
    with pytest.raises(ArchiveError) as caught:
        verify_archive(path, **kwargs)
    error = caught.value
    assert (error.code, error.member, error.line) == (code, member, line), str(error)
    assert error.code in CONVEX_CODES | OWN_CODES
    if member:
        assert str(error).startswith(member + (f" line {line}: " if line else ": "))
    return error


# -- content problems, found while reading -------------------------------------------------------

CONTENT_CASES = {
    "invalid JSON": (with_users(jsonl(user(1)) + b'{"name": }\n' + jsonl(user(3))), "JsonInvalidRow", DOCS, 2),
    "UTF-8 BOM": (with_users(b"\xef\xbb\xbf" + jsonl(user(1))), "Utf8BomNotSupported", DOCS, 1),
    "empty line": (with_users(jsonl(user(1)) + b"\n" + jsonl(user(2))), "JsonInvalidRow", DOCS, 2),
    "empty CRLF line": (with_users(jsonl(user(1)) + b"\r\n" + jsonl(user(2))), "JsonInvalidRow", DOCS, 2),
    "not an object": (with_users(jsonl(user(1), [1, 2])), "InvalidConvexValue", DOCS, 2),
    "special value as a document": (with_users(jsonl(user(1), {"$bytes": "AA=="})), "InvalidConvexValue", DOCS, 2),
    "dollar key": (with_users(jsonl(user(1), user(2, x={"$nope": 1}))), "InvalidConvexValue", DOCS, 2),
    "$float with a normal number": (
        with_users(jsonl(user(1, x={"$float": "AAAAAAAA8D8="}))),
        "InvalidConvexValue",
        DOCS,
        1,
    ),
    "reserved top-level field": (with_users(jsonl(user(1, _secret=1))), "InvalidConvexValue", DOCS, 1),
    "bad _id": (with_users(jsonl(user(1), {"_id": "notanid", "name": "x"})), "InvalidId", DOCS, 2),
    "_id not a string": (with_users(jsonl({"_id": 5})), "InvalidId", DOCS, 1),
    "duplicate _id in order": (with_users(jsonl(user(1), user(2), user(2))), "DuplicateId", DOCS, 3),
    "duplicate _id out of order": (with_users(jsonl(user(5), user(1), user(3), user(1))), "DuplicateId", DOCS, 4),
    "_id of another table (pinned)": (with_users(jsonl(user(1), {"_id": sid(10002, 2)})), "ImportConflict", DOCS, 2),
    "_id of another table (first document)": (
        with_users(jsonl(user(1), {"_id": sid(10002, 2)}), tables=b""),
        "ImportConflict",
        DOCS,
        2,
    ),
    "table number taken by another table": (
        with_users(jsonl(user(1)), extra=[("posts/documents.jsonl", jsonl({"_id": sid(USERS, 9)}))]),
        "TableNumberConflict",
        "posts/documents.jsonl",
        1,
    ),
    "_tables duplicate name": (
        with_users(b"", tables=jsonl({"name": "users", "id": 10001}, {"name": "users", "id": 10002})),
        "DuplicateTableName",
        TABLES,
        2,
    ),
    "_tables shared number": (
        with_users(b"", tables=jsonl({"name": "users", "id": 10001}, {"name": "posts", "id": 10001})),
        "InvalidId",
        TABLES,
        2,
    ),
    "_tables missing id": (with_users(b"", tables=jsonl({"name": "users"})), "InvalidConvexValue", TABLES, 1),
    "_tables missing name": (with_users(b"", tables=jsonl({"id": 10001})), "InvalidConvexValue", TABLES, 1),
    "_tables bad name": (with_users(b"", tables=jsonl({"name": "bad-name", "id": 1})), "InvalidTableName", TABLES, 1),
    "_tables not JSON": (with_users(b"", tables=b"nope\n"), "JsonInvalidRow", TABLES, 1),
    "storage bad sha256": (with_storage([storage_row(1, b"x", sha256="AAAA")], {}), "InvalidConvexValue", STORAGE, 1),
    "storage negative size": (with_storage([storage_row(1, b"x", size=-1)], {}), "InvalidConvexValue", STORAGE, 1),
    "storage size not int": (with_storage([storage_row(1, b"x", size="1")], {}), "InvalidConvexValue", STORAGE, 1),
    "storage bad contentType": (
        with_storage([storage_row(1, b"x"), storage_row(2, b"x", contentType="png")], {}),
        "InvalidConvexValue",
        STORAGE,
        2,
    ),
    "storage bad internalId": (
        with_storage([storage_row(1, b"x", internalId="xyz")], {}),
        "InvalidConvexValue",
        STORAGE,
        1,
    ),
    "storage bad _id": (with_storage([storage_row(1, b"x", _id="bad")], {}), "InvalidId", STORAGE, 1),
    "storage ids of two tables": (
        with_storage([storage_row(1, b"x"), storage_row(2, b"x", _id=sid(541, 2))], {}),
        "InvalidId",
        STORAGE,
        2,
    ),
    "storage duplicate id": (with_storage([storage_row(1, b"x"), storage_row(1, b"x")], {}), "DuplicateId", STORAGE, 2),
    "sha256 mismatch": (
        with_storage([storage_row(1, b"hello")], {sid(540, 1) + ".txt": b"jello"}),
        "Sha256Mismatch",
        f"_storage/{sid(540, 1)}.txt",
        None,
    ),
    "size mismatch": (
        with_storage([storage_row(1, b"hello", size=6)], {sid(540, 1): b"hello"}),
        "StorageSizeMismatch",
        f"_storage/{sid(540, 1)}",
        None,
    ),
    "missing blob": (
        with_storage([storage_row(1, b"a"), storage_row(2, b"b")], {sid(540, 1): b"a"}),
        "MissingStorageFile",
        STORAGE,
        2,
    ),
}


@pytest.mark.parametrize("case", list(CONTENT_CASES))
def test_content_problems(make_zip, case: str) -> None:
    entries, code, member, line = CONTENT_CASES[case]
    expect(make_zip(entries), code, member, line)


def test_duplicate_message_names_the_first_line(make_zip) -> None:
    error = expect(make_zip(with_users(jsonl(user(5), user(1), user(3), user(1)))), "DuplicateId", DOCS, 4)
    assert "repeats line 2" in error.message and "'users'" in error.message


def test_sha256_mismatch_shows_both_digests(make_zip) -> None:
    error = expect(make_zip(CONTENT_CASES["sha256 mismatch"][0]), "Sha256Mismatch", f"_storage/{sid(540, 1)}.txt", None)
    assert sha(b"hello") in error.message and sha(b"jello") in error.message


def test_missing_blob_is_counted_when_not_strict(make_zip) -> None:
    report = verify_archive(make_zip(CONTENT_CASES["missing blob"][0]), strict_storage=False)
    assert (report.storage_files, report.storage_missing) == (1, 1)


# -- layout problems, found from the central directory alone ---------------------------------------

OPEN_CASES = {
    "bad table name": ([("bad-name/documents.jsonl", b"")], "InvalidTableName", "bad-name/documents.jsonl"),
    "bad component name": (
        [("_components/bad comp/users/documents.jsonl", b"")],
        "InvalidComponentName",
        "_components/bad comp/users/documents.jsonl",
    ),
    "parent segment": ([("../evil/documents.jsonl", b"")], "UnsafePath", "../evil/documents.jsonl"),
    "nested parent segment": ([("a/../../users/documents.jsonl", b"")], "UnsafePath", "a/../../users/documents.jsonl"),
    "absolute name": ([("/etc/users/documents.jsonl", b"")], "UnsafePath", "/etc/users/documents.jsonl"),
    "backslash": ([("users\\documents.jsonl", b"")], "UnsafePath", "users\\documents.jsonl"),
    "drive letter": ([("C:/users/documents.jsonl", b"")], "UnsafePath", "C:/users/documents.jsonl"),
    "bad storage file name": (with_storage([], {"not-an-id.png": b"x"}), "InvalidStorageId", "_storage/not-an-id.png"),
    "same table twice": (
        [("users/documents.jsonl", b""), ("backup/users/documents.jsonl", b"")],
        "DuplicateTableName",
        "backup/users/documents.jsonl",
    ),
    "bad generated schema": (
        [(DOCS, b""), ("users/generated_schema.jsonl", b"{oops\n")],
        "InvalidGeneratedSchema",
        "users/generated_schema.jsonl",
    ),
    "unsupported compression": ([(DOCS, b"", zipfile.ZIP_BZIP2)], "InvalidZip", DOCS),
}


@pytest.mark.parametrize("case", list(OPEN_CASES))
def test_layout_problems_fail_on_open(make_zip, case: str) -> None:
    entries, code, member = OPEN_CASES[case]
    with pytest.raises(ArchiveError) as caught:
        SnapshotReader(make_zip(entries))
    assert (caught.value.code, caught.value.member) == (code, member), str(caught.value)


def test_duplicate_entry_name(make_zip) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        path = make_zip([(DOCS, b""), (DOCS, b"")])
    with pytest.raises(ArchiveError) as caught:
        SnapshotReader(path)
    assert (caught.value.code, caught.value.member) == ("InvalidZip", DOCS)


def test_things_convex_ignores_are_not_errors(make_zip) -> None:
    path = make_zip(
        [
            ("_scheduled_functions/documents.jsonl", b"not even json\n"),
            ("backup/notes/documents.jsonl", b'{"n": 1}\r\n{"n": 2}'),  # CRLF, no final newline, no schema
            (f"_components/wp/_storage/{sid(540, 1)}", b"file without an index"),
            ("random.txt", b"?"),
        ]
    )
    report = verify_archive(path)
    assert [(t.name, t.documents) for t in report.tables] == [("notes", 2)]
    with SnapshotReader(path) as reader:
        (table,) = reader.tables
        assert not table.uniform
        assert [d for _, d in reader.iter_documents(table)] == [{"n": 1.0}, {"n": 2.0}]  # legacy: all floats
        assert reader.storage == {}


# -- broken ZIP structure ---------------------------------------------------------------------------


def _patch_central(path: Path, member: str, **fields: int) -> None:
    """Overwrite 32-bit fields of one central directory record (no ZIP64 in these small archives)."""
    offsets = {"crc": 16, "compress_size": 20, "file_size": 24, "header_offset": 42}
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    pos = struct.unpack_from("<L", data, end + 16)[0]
    while data[pos : pos + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, pos + 28)
        if data[pos + 46 : pos + 46 + name_length].decode() == member:
            for field, value in fields.items():
                struct.pack_into("<L", data, pos + offsets[field], value)
        pos += 46 + name_length + extra_length + comment_length
    path.write_bytes(data)


def _central_field(path: Path, member: str, field: str) -> int:
    with zipfile.ZipFile(path) as archive:
        return getattr(archive.getinfo(member), field)


def test_not_a_zip_and_truncated_zips(make_zip, tmp_path: Path) -> None:
    whole = make_zip(with_users(jsonl(*(user(n) for n in range(1, 200))))).read_bytes()
    for cut in (0, 10, len(whole) // 2, len(whole) - 10):
        path = tmp_path / f"cut{cut}.zip"
        path.write_bytes(whole[:cut])
        with pytest.raises(ArchiveError) as caught:
            verify_archive(path)
        assert caught.value.code == "InvalidZip"
    (tmp_path / "text.zip").write_text("just some text\n")
    with pytest.raises(ArchiveError, match="not a valid ZIP"):
        verify_archive(tmp_path / "text.zip")


def test_bad_crc_in_a_stored_member(make_zip) -> None:
    stored = (DOCS, jsonl(user(1), user(2, name="alice")), zipfile.ZIP_STORED)
    path = make_zip([entry if entry[0] != DOCS else stored for entry in with_users(b"")])
    data = bytearray(path.read_bytes())
    data[data.index(b"alice")] ^= 0x02  # 'a' -> 'c': still valid JSON, wrong CRC
    path.write_bytes(data)
    error = expect(path, "InvalidZip", DOCS, None)
    assert "CRC" in error.message and "download the backup again" in str(error)


def test_member_inflating_beyond_its_declared_size(make_zip) -> None:
    path = make_zip(with_users(jsonl(*(user(n) for n in range(1, 2000)))))
    _patch_central(path, DOCS, file_size=5000)
    error = expect(path, "ZipBomb", DOCS, None)
    assert "5000" in error.message


def test_member_shorter_than_its_declared_size(make_zip) -> None:
    path = make_zip(with_users(jsonl(*(user(n) for n in range(1, 50)))))
    real = _central_field(path, DOCS, "file_size")
    _patch_central(path, DOCS, file_size=real + 100)
    expect(path, "InvalidZip", DOCS, None)


def test_impossible_compression_ratio(make_zip) -> None:
    path = make_zip(with_users(jsonl(user(1))))
    _patch_central(path, DOCS, file_size=4_000_000_000)
    with pytest.raises(ArchiveError) as caught:
        SnapshotReader(path)
    assert (caught.value.code, caught.value.member) == ("ZipBomb", DOCS)


def test_highly_compressible_but_honest_member_is_fine(make_zip) -> None:
    path = make_zip([("README.md", b"\0" * (4 << 20))])  # Deflate reaches about 1000:1 here
    assert verify_archive(path).members_checked == 1


def test_total_size_limit(make_zip) -> None:
    path = make_zip(with_users(jsonl(*(user(n) for n in range(1, 50)))))
    with pytest.raises(ArchiveError) as caught:
        verify_archive(path, max_total_bytes=1000)
    assert caught.value.code == "ZipBomb"


def test_overlapping_entries(make_zip) -> None:
    path = make_zip(with_users(jsonl(user(1))))
    _patch_central(path, DOCS, header_offset=_central_field(path, TABLES, "header_offset"))
    with pytest.raises(ArchiveError) as caught:
        SnapshotReader(path)
    assert caught.value.code == "ZipBomb"


# -- fuzz: random damage never escapes as anything but ArchiveError ---------------------------------


def _small_valid_archive(path: Path) -> bytes:
    with SnapshotWriter(str(path)) as writer:
        writer.write_tables_index("", [("users", USERS)])
        with writer.open_table("", "users") as table:
            for n in range(1, 20):
                table.write_document(user(n, blob=bytes([n]) * 3, score=n / 3))
        writer.write_storage_index("", [storage_row(1, b"file bytes", contentType="text/plain")])
        writer.write_storage_file("", sid(540, 1), "text/plain", [b"file bytes"])
    return path.read_bytes()


def test_random_damage_only_raises_archive_error(tmp_path: Path) -> None:
    original = _small_valid_archive(tmp_path / "good.zip")
    verify_archive(tmp_path / "good.zip")
    rng = random.Random(20240405)
    path = tmp_path / "fuzzed.zip"
    outcomes: dict[str, int] = {}
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= rng.randint(1, 255)
        path.write_bytes(data)
        for check in (verify_archive, inspect_archive):
            try:
                check(path)
                outcomes["ok"] = outcomes.get("ok", 0) + 1
            except ArchiveError as error:
                outcomes[error.code] = outcomes.get(error.code, 0) + 1
                assert error.code in CONVEX_CODES | OWN_CODES and str(error)
    assert outcomes.get("InvalidZip", 0) > 0
