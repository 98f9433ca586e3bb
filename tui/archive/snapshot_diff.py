"""What changed between two snapshot ZIPs (tui/commands/README.md "Comparing a backup with now"), table by table and
document by document, streaming: memory stays flat whatever the size.

Each table's two documents.jsonl members are read side by side and merged by `_id`. Snapshot exports list a
table's documents in `_id` order (Convex's export streams each table through its by-id index, the
sandbox's scans by id, and an id's base32 text sorts as its bytes), so the merge needs no storage at all. The order is checked as the lines go by, never assumed: a
member that is not in order is merged again from an on-disk SQLite sort. Identical lines are unchanged documents and cost nothing more; lines that
differ are decoded (with the table's own encoding, Int64 vs Float64 kept apart) and compared as Convex
values, so a different key order or number spelling is not a change.

The result is a SQLite file (`DiffStore`): per table its four counts, and per changed, created or deleted
document its id, status and both versions as export-JSON lines (the OLD side's — usually the backup — and
the NEW side's — usually now). A documents-level restore plan is derived from it: revert `changed` to
`old`, re-create `deleted` from `old`, remove `created`. `_storage` is compared like a table, by id and
sha256, under the name `_storage` (with its component's prefix).
"""

from __future__ import annotations

import math
import operator
import os
import re
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from tui.archive.errors import ArchiveError, archive_errors
from tui.archive.lines import split_body
from tui.archive.reader import SnapshotReader, TableEntry

STORAGE = "_storage"
_BATCH = 5_000
# The `_id` of a line as Convex writes it (keys sorted: `_creationTime` then `_id` unless a field name
# starts with a capital letter); any other line is parsed to find it.
_ID_AT_START = re.compile(rb'\{(?:"_creationTime":[-+0-9.eE]+,)?"_id":"([0-9a-z]+)"')
# The same after a newline: a literal start lets the regex engine skip through a block at C speed (a raw
# newline only ever ends a line: inside JSON strings it is escaped).
_ID_AFTER_NEWLINE = re.compile(rb'\n\{(?:"_creationTime":[-+0-9.eE]+,)?"_id":"([0-9a-z]+)"')

Progress = Callable[[str, int, int], None]  # (what is being compared, bytes read, bytes in all)


class _Unsorted(Exception):
    """A member's ids are not in ascending order: merge this table from a sort on disk instead."""


@dataclass(frozen=True)
class TableCounts:
    table: str  # label: "users", "component/users", "_storage"
    unchanged: int = 0
    changed: int = 0
    created: int = 0
    deleted: int = 0

    @property
    def differs(self) -> bool:
        return bool(self.changed or self.created or self.deleted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "created": self.created,
            "deleted": self.deleted,
        }


@dataclass(frozen=True)
class FieldChange:
    """One field of a changed document: `path` is the field name, dotted into nested objects."""

    path: str
    old: Any  # the Convex value (None also for a missing field: see old_type)
    new: Any
    old_type: str | None  # "Int64", "Float64", ...; None when the field is absent on that side
    new_type: str | None

    @property
    def kind(self) -> str:
        return "added" if self.old_type is None else "removed" if self.new_type is None else "changed"

    def to_dict(self) -> dict[str, Any]:
        from tui.values.encoding import encode_export_value

        return {
            "field": self.path,
            "kind": self.kind,
            "old_type": self.old_type,
            "new_type": self.new_type,
            "old": None if self.old_type is None else encode_export_value(self.old),
            "new": None if self.new_type is None else encode_export_value(self.new),
        }


@dataclass(frozen=True)
class DocumentChange:
    table: str
    id: str
    status: str  # "changed" | "created" | "deleted"
    old_line: bytes | None  # export JSON on the old side (None for created)
    new_line: bytes | None  # on the new side (None for deleted)
    # (old, new) lines in the legacy (not "uniform") encoding, where a bare integer is a Float64
    legacy: tuple[bool, bool] = (False, False)

    def old(self) -> dict[str, Any] | None:
        return decode_line(self.old_line, self.legacy[0]) if self.old_line is not None else None

    def new(self) -> dict[str, Any] | None:
        return decode_line(self.new_line, self.legacy[1]) if self.new_line is not None else None

    def fields(self) -> list[FieldChange]:
        return field_changes(self.old() or {}, self.new() or {})


# -- Convex values -------------------------------------------------------------------------------------


def type_name(value: Any) -> str:
    """The Convex type of a decoded value (Python int is Int64, float is Float64)."""
    if value is None:
        return "Null"
    kind = type(value)
    return {
        bool: "Boolean",
        int: "Int64",
        float: "Float64",
        str: "String",
        bytes: "Bytes",
        list: "Array",
        dict: "Object",
    }.get(kind, kind.__name__)


def same_value(a: Any, b: Any) -> bool:
    """Equal as Convex values: types must match (1 Int64 is not 1.0 Float64), floats bit for bit (NaN is
    itself, -0.0 is not 0.0), objects regardless of key order."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return bool(
            a == b
            and math.copysign(1.0, a) == math.copysign(1.0, b)
            or (math.isnan(a) and struct.pack("<d", a) == struct.pack("<d", b))
        )
    if type(a) is dict:
        return a.keys() == b.keys() and all(same_value(v, b[k]) for k, v in a.items())
    if type(a) is list:
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return bool(a == b)


def field_changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[FieldChange]:
    """Field by field, in name order; nested objects are followed into, arrays are compared whole."""
    out: list[FieldChange] = []
    for key in sorted(old.keys() | new.keys()):
        path = f"{prefix}{key}"
        if key not in new:
            out.append(FieldChange(path, old[key], None, type_name(old[key]), None))
        elif key not in old:
            out.append(FieldChange(path, None, new[key], None, type_name(new[key])))
        elif type(old[key]) is dict and type(new[key]) is dict:
            out.extend(field_changes(old[key], new[key], f"{path}."))
        elif not same_value(old[key], new[key]):
            out.append(FieldChange(path, old[key], new[key], type_name(old[key]), type_name(new[key])))
    return out


def decode_line(line: bytes, legacy: bool) -> dict[str, Any]:
    """One JSONL line as a document, decoded with its table's encoding (`legacy`: the older one, where a bare
    integer is a Float64)."""
    from tui.values.encoding import decode_export_document, decode_legacy_document

    return (decode_legacy_document if legacy else decode_export_document)(orjson.loads(line))


# -- the result --------------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tables (
    position INTEGER PRIMARY KEY, label TEXT UNIQUE NOT NULL, legacy INTEGER NOT NULL DEFAULT 0,  -- bit 0 old, 1 new
    unchanged INTEGER NOT NULL DEFAULT 0, changed INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS documents (
    label TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, old BLOB, new BLOB,
    PRIMARY KEY (label, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sides (side TEXT PRIMARY KEY, path TEXT NOT NULL);
"""


class DiffStore:
    """The diff on disk. Open an existing one with `DiffStore(path)`; `diff_snapshots` fills a new one."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> DiffStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def sides(self) -> dict[str, str]:
        """{"old": path of the old ZIP, "new": path of the new one}."""
        return dict(self._db.execute("SELECT side, path FROM sides"))

    def tables(self) -> list[TableCounts]:
        rows = self._db.execute("SELECT label, unchanged, changed, created, deleted FROM tables ORDER BY position")
        return [TableCounts(*row) for row in rows]

    def counts(self, table: str) -> TableCounts:
        row = self._db.execute(
            "SELECT label, unchanged, changed, created, deleted FROM tables WHERE label = ?", (table,)
        ).fetchone()
        if row is None:
            raise KeyError(table)
        return TableCounts(*row)

    def documents(
        self, table: str, status: str | None = None, *, after: str = "", limit: int | None = None
    ) -> list[DocumentChange]:
        """The table's changed, created and deleted documents by id (those after `after`), `limit` at most."""
        legacy = self.legacy_flags(table)
        query = "SELECT id, status, old, new FROM documents WHERE label = ? AND id > ?"
        params: list[Any] = [table, after]
        if status is not None:
            query += " AND status = ?"
            params.append(status)
        query += " ORDER BY id"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        return [DocumentChange(table, i, s, o, n, legacy) for i, s, o, n in self._db.execute(query, params)]

    def legacy_flags(self, table: str) -> tuple[bool, bool]:
        """Whether the table's lines use the legacy encoding: (in the old snapshot, in the new one)."""
        row = self._db.execute("SELECT legacy FROM tables WHERE label = ?", (table,)).fetchone()
        flags = row[0] if row else 0
        return bool(flags & 1), bool(flags & 2)

    def iter_documents(self, table: str, status: str | None = None, page: int = 1000) -> Iterator[DocumentChange]:
        after = ""
        while batch := self.documents(table, status, after=after, limit=page):
            yield from batch
            after = batch[-1].id

    def document(self, table: str, document_id: str) -> DocumentChange | None:
        legacy = self.legacy_flags(table)
        row = self._db.execute(
            "SELECT status, old, new FROM documents WHERE label = ? AND id = ?", (table, document_id)
        ).fetchone()
        return DocumentChange(table, document_id, row[0], row[1], row[2], legacy) if row else None

    # -- filling it ---------------------------------------------------------------------------------------------
    def _begin_table(self, position: int, label: str, legacy: tuple[bool, bool]) -> None:
        self._db.execute(
            "INSERT INTO tables (position, label, legacy) VALUES (?, ?, ?)",
            (position, label, legacy[0] | legacy[1] << 1),
        )

    def _finish_table(self, label: str, counts: dict[str, int]) -> None:
        self._db.execute(
            "UPDATE tables SET unchanged = ?, changed = ?, created = ?, deleted = ? WHERE label = ?",
            (counts["unchanged"], counts["changed"], counts["created"], counts["deleted"], label),
        )

    def _add(self, rows: list[tuple[str, str, str, bytes | None, bytes | None]]) -> None:
        self._db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?)", rows)

    def _forget_table(self, label: str) -> None:
        self._db.execute("DELETE FROM documents WHERE label = ?", (label,))


# -- reading one side ------------------------------------------------------------------------------------------

Block = tuple[list[bytes], list[bytes]]  # (ids, lines each ending in b"\n"), in the member's order
_RUN = 32  # lines compared at once while both sides agree


def _line_id(line: bytes, member: str) -> bytes:
    match = _ID_AT_START.match(line)
    if match is not None:
        return match.group(1)
    with archive_errors(member):
        document = orjson.loads(line)
    found = document.get("_id") if isinstance(document, dict) else None
    if not isinstance(found, str):
        raise ArchiveError("InvalidId", "a line has no `_id` string", member=member)
    return found.encode()


class _Side:
    """One member's lines in blocks, with their ids (as bytes: they are ASCII), and the bytes read so far."""

    def __init__(self, reader: SnapshotReader | None, member: str | None, on_bytes: Callable[[int], None]):
        self.reader, self.member, self.on_bytes = reader, member, on_bytes

    def blocks(self, check_order: bool) -> Iterator[Block]:
        if self.reader is None or self.member is None:
            return
        member = self.member
        previous = b""
        for first, body in self.reader.iter_line_bodies(member):
            self.on_bytes(len(body))
            lines, problem = split_body(member, first, body)
            # One C call finds every line's id when every line starts as Convex writes it; else line by line.
            ids = _ID_AFTER_NEWLINE.findall(b"\n" + body)
            if len(ids) != len(lines):
                ids = [_line_id(line, member) for line in lines]
            if ids and not (previous < ids[0] and all(map(operator.lt, ids, islice(ids, 1, None)))):
                seen = [previous, *ids]
                if any(map(operator.eq, seen, islice(seen, 1, None))):
                    twice = next(a for a, b in zip(seen, seen[1:]) if a == b).decode()
                    raise ArchiveError("DuplicateId", f"the id {twice!r} appears twice", member=member)
                if check_order:
                    raise _Unsorted(member)
            if ids:
                previous = ids[-1]
                yield ids, lines
            if problem is not None:
                raise problem


def _sorted_blocks(side: _Side, folder: Path) -> Iterator[Block]:
    """The side's lines in id order through a SQLite sort on disk (for a member Convex did not write)."""
    handle, name = tempfile.mkstemp(suffix=".sqlite", dir=folder)
    os.close(handle)
    db = sqlite3.connect(name)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE side (id BLOB PRIMARY KEY, line BLOB) WITHOUT ROWID")
        try:
            for ids, lines in side.blocks(check_order=False):
                db.executemany("INSERT INTO side VALUES (?, ?)", zip(ids, lines))
        except sqlite3.IntegrityError:
            raise ArchiveError("DuplicateId", "an id appears twice", member=side.member) from None
        cursor = db.execute("SELECT id, line FROM side ORDER BY id")
        while rows := cursor.fetchmany(_BATCH):
            yield [row[0] for row in rows], [row[1] for row in rows]
    finally:
        db.close()
        os.unlink(name)


# -- the comparison ------------------------------------------------------------------------------------------


class _Cursor:
    """A position in one side's blocks."""

    def __init__(self, blocks: Iterator[Block]):
        self.blocks = blocks
        self.ids: list[bytes] = []
        self.lines: list[bytes] = []
        self.at = 0

    def ready(self) -> bool:
        """Whether a line is available (the next block is fetched when this one is used up)."""
        while self.at >= len(self.ids):
            block = next(self.blocks, None)
            if block is None:
                return False
            self.ids, self.lines = block
            self.at = 0
        return True


def _merge(
    label: str,
    old_blocks: Iterator[Block],
    new_blocks: Iterator[Block],
    legacy: tuple[bool, bool],
    store: DiffStore,
    storage: bool,
) -> dict[str, int]:
    unchanged = changed = created = deleted = 0
    rows: list[tuple[str, str, str, bytes | None, bytes | None]] = []
    old, new = _Cursor(old_blocks), _Cursor(new_blocks)
    # Equal bytes are an equal document only when both sides use the same encoding: a bare 1 is an Int64 in
    # a "uniform" export and a Float64 in a legacy one.
    same_encoding = legacy[0] == legacy[1]
    while old.ready() and new.ready():
        i, j = old.at, new.at
        run = min(len(old.ids) - i, len(new.ids) - j, _RUN)
        if same_encoding and old.lines[i : i + run] == new.lines[j : j + run]:  # the common case: nothing changed
            unchanged += run
            old.at += run
            new.at += run
            continue
        a, b = old.ids[i], new.ids[j]
        if a == b:
            if (same_encoding and old.lines[i] == new.lines[j]) or _same_document(
                old.lines[i], new.lines[j], legacy, storage
            ):
                unchanged += 1
            else:
                changed += 1
                rows.append((label, a.decode(), "changed", old.lines[i].rstrip(b"\n"), new.lines[j].rstrip(b"\n")))
            old.at += 1
            new.at += 1
        elif a < b:
            deleted += 1
            rows.append((label, a.decode(), "deleted", old.lines[i].rstrip(b"\n"), None))
            old.at += 1
        else:
            created += 1
            rows.append((label, b.decode(), "created", None, new.lines[j].rstrip(b"\n")))
            new.at += 1
        if len(rows) >= _BATCH:
            store._add(rows)
            rows.clear()
    for side, status in ((old, "deleted"), (new, "created")):
        while side.ready():
            for key, line in zip(side.ids[side.at :], side.lines[side.at :]):
                line = line.rstrip(b"\n")
                rows.append(
                    (
                        label,
                        key.decode(),
                        status,
                        line if status == "deleted" else None,
                        line if status == "created" else None,
                    )
                )
            if status == "deleted":
                deleted += len(side.ids) - side.at
            else:
                created += len(side.ids) - side.at
            side.at = len(side.ids)
            store._add(rows)
            rows.clear()
    store._add(rows)
    return {"unchanged": unchanged, "changed": changed, "created": created, "deleted": deleted}


def _same_document(old: bytes, new: bytes, legacy: tuple[bool, bool], storage: bool) -> bool:
    if storage:  # a stored file is the same file when its content is: same sha256
        return bool(orjson.loads(old).get("sha256") == orjson.loads(new).get("sha256"))
    try:
        return same_value(decode_line(old, legacy[0]), decode_line(new, legacy[1]))
    except (ValueError, orjson.JSONDecodeError):
        return False  # an undecodable line is reported as a change; `verify` says what is wrong with it


@dataclass(frozen=True)
class _Pair:
    label: str
    old_member: str | None
    new_member: str | None
    legacy: tuple[bool, bool]
    storage: bool = False


def _pairs(old: SnapshotReader, new: SnapshotReader, only: set[str] | None) -> list[_Pair]:
    def by_key(reader: SnapshotReader) -> dict[tuple[str, str], TableEntry]:
        return {(t.component_path, t.name): t for t in reader.tables}

    olds, news = by_key(old), by_key(new)
    pairs: list[_Pair] = []
    for key in sorted(olds.keys() | news.keys()):
        a, b = olds.get(key), news.get(key)
        either = a or b
        assert either is not None  # the key came from one side or the other
        label = either.label
        if only is not None and label not in only:
            continue
        pairs.append(
            _Pair(
                label,
                a.documents_member if a else None,
                b.documents_member if b else None,
                (not a.uniform if a else False, not b.uniform if b else False),
            )
        )
    for component in sorted(old.storage.keys() | new.storage.keys()):
        label = f"{component}/{STORAGE}" if component else STORAGE
        if only is not None and label not in only:
            continue
        a_entry, b_entry = old.storage.get(component), new.storage.get(component)
        pairs.append(
            _Pair(
                label,
                a_entry.index_member if a_entry else None,
                b_entry.index_member if b_entry else None,
                (False, False),
                storage=True,
            )
        )
    return pairs


def diff_snapshots(
    old_path: str | os.PathLike[str],
    new_path: str | os.PathLike[str],
    store_path: str | os.PathLike[str],
    *,
    tables: list[str] | None = None,
    progress: Progress | None = None,
) -> DiffStore:
    """Compare two snapshot ZIPs into a new DiffStore at `store_path` (its folder also holds the temporary
    sorts). `tables`: only these labels (a name not in either ZIP is an error). Raises ArchiveError for a
    ZIP that cannot be read, OSError when a file cannot be opened."""
    store_path = Path(store_path)
    folder = store_path.parent
    with SnapshotReader(old_path) as old_reader, SnapshotReader(new_path) as new_reader:
        only = set(tables) if tables else None
        pairs = _pairs(old_reader, new_reader, only)
        if only is not None:
            missing = sorted(only - {p.label for p in pairs})
            if missing:
                raise KeyError(f"no table {', '.join(missing)} in either snapshot")
        total = sum(
            (old_reader.member_size(p.old_member) if p.old_member else 0)
            + (new_reader.member_size(p.new_member) if p.new_member else 0)
            for p in pairs
        )
        done = 0
        label = ""

        def read(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(label, done, total)

        store = DiffStore(store_path)
        try:
            store._db.execute("PRAGMA journal_mode = OFF")
            store._db.execute("PRAGMA synchronous = OFF")
            store._db.executemany(
                "INSERT INTO sides VALUES (?, ?)", [("old", os.fspath(old_path)), ("new", os.fspath(new_path))]
            )
            for position, pair in enumerate(pairs):
                label = pair.label
                store._begin_table(position, label, pair.legacy)
                old_side = _Side(old_reader, pair.old_member, read)
                new_side = _Side(new_reader, pair.new_member, read)
                before = done
                try:
                    counts = _merge(
                        label, old_side.blocks(True), new_side.blocks(True), pair.legacy, store, pair.storage
                    )
                except _Unsorted:
                    store._forget_table(label)
                    done = before
                    counts = _merge(
                        label,
                        _sorted_blocks(old_side, folder),
                        _sorted_blocks(new_side, folder),
                        pair.legacy,
                        store,
                        pair.storage,
                    )
                store._finish_table(label, counts)
            store._db.commit()
        except BaseException:
            store.close()
            raise
        return store
