"""A snapshot ZIP of some tables as they are now with chosen documents put back or taken out: what an import
in `replace` mode needs to restore single documents (tui/commands/README.md "Restore only what is broken").

Convex has no API that writes a document with a given `_id` and `_creationTime` except a snapshot import,
and an import in `replace` mode replaces, atomically, exactly the tables the ZIP holds. So for every table
with an edit the ZIP holds the table's current documents (from a snapshot taken just before), except that
`put` documents take the given version (re-created under their own id and creation time when they are
gone) and `drop` documents are left out. `_tables/documents.jsonl` carries each table's current number (the
backup's when the table is gone now), so every `_id` stays valid.

Lines are copied as they are from a "uniform" export; lines of the older (legacy) encoding are decoded and
written again in the uniform one, so one table never mixes both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson

from tui.archive.errors import ArchiveError
from tui.archive.ids import decode_id
from tui.archive.reader import SnapshotReader, TableEntry
from tui.values.encoding import decode_legacy_document, export_line
from tui.archive.writer import SnapshotWriter

STORAGE = "_storage"


@dataclass
class TableEdit:
    """For one table (label `component/table` in a component): documents to write as given (id -> (export
    JSON line, whether that line is in the legacy encoding)) and ids to leave out."""

    put: dict[str, tuple[bytes, bool]] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.put or self.drop)


@dataclass(frozen=True)
class TableOutcome:
    label: str
    documents: int  # in the written table
    put: int  # documents written from `put`, replacing a current one or re-created
    dropped: int  # current documents left out


def _split(label: str) -> tuple[str, str]:
    component, _, table = label.rpartition("/")
    return component, table


def as_export_line(line: bytes, legacy: bool) -> bytes:
    """A document's line in the export encoding (a `legacy` one converted), ending in a newline."""
    line = line.rstrip(b"\n")
    return export_line(decode_legacy_document(orjson.loads(line))) if legacy else line + b"\n"


def write_patched_tables(
    now_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    edits: Mapping[str, TableEdit],
    *,
    numbers: Mapping[str, int] | None = None,
) -> list[TableOutcome]:
    """Write into `out_path` every table of `edits` as snapshot `now_path` holds it with its edit applied.
    `numbers`: table numbers (by label) for tables `now_path` lacks; else the number is read from a put
    document's id. Raises `ArchiveError` for `_storage` (files are restored with whole tables)."""
    outcomes: list[TableOutcome] = []
    with SnapshotReader(now_path) as reader, SnapshotWriter(os.fspath(out_path)) as writer:
        current: dict[str, TableEntry] = {t.label: t for t in reader.tables}
        by_component: dict[str, list[tuple[str, int]]] = {}
        for label, edit in edits.items():
            component, table = _split(label)
            if table == STORAGE:
                raise ArchiveError(
                    "StorageNotByDocument",
                    "stored files are restored with whole tables (restore --tables _storage), not document by document",
                )
            number = reader.tables_index(component).get(table) or (numbers or {}).get(label)
            if number is None and edit.put:
                number = decode_id(next(iter(edit.put)))[0]
            if number is None:
                continue  # only removals from a table that no longer exists: nothing to do
            by_component.setdefault(component, []).append((table, number))
        for component, tables in by_component.items():
            writer.write_tables_index(component, tables)
        for label, edit in edits.items():
            component, table = _split(label)
            if not any(t == table for t, _ in by_component.get(component, ())):
                continue
            entry = current.get(label)
            put_left = dict(edit.put)
            written = put = dropped = 0
            with writer.open_table(component, table) as out:
                if entry is not None:
                    legacy = not entry.uniform
                    for _line_no, raw in reader.iter_lines(entry):
                        document_id = document_id_of(raw)
                        if document_id in edit.drop:
                            dropped += 1
                            continue
                        replacement = put_left.pop(document_id, None)
                        if replacement is not None:
                            out.write_line(as_export_line(*replacement))
                            put += 1
                        else:
                            out.write_line(as_export_line(raw, legacy))
                        written += 1
                for line, legacy_line in put_left.values():  # gone now: re-created with their own id
                    out.write_line(as_export_line(line, legacy_line))
                    put += 1
                    written += 1
            outcomes.append(TableOutcome(label, written, put, dropped))
    return outcomes


def document_id_of(raw: bytes) -> str:
    """The `_id` of a document's JSONL line; `ArchiveError` when it has none."""
    document = orjson.loads(raw)
    found = document.get("_id") if isinstance(document, dict) else None
    if not isinstance(found, str):
        raise ArchiveError("InvalidId", "a line has no `_id` string")
    return found
