"""A snapshot ZIP holding only chosen tables of another one: what an import in `replace` mode needs to
restore those tables and leave every other table alone (`replace` replaces exactly the tables present
in the file). Members are copied as they are (documents, generated schema, `_storage` and its files
only when `_storage` is chosen); `_tables/documents.jsonl` keeps the lines of the chosen tables, so their
table numbers, and so their `_id`s, stay what the backup had. It keeps no other line: Convex prepares a
table for every `_tables` line, documents or not (crates/application/src/snapshot_import, assign_table_numbers),
so a line left for a table not chosen would replace that table with an empty one."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Collection

import orjson

from tui.archive.errors import ArchiveError
from tui.archive.layout import README_NAME, STORAGE_DIR, classify_member
from tui.archive.reader import SnapshotReader

_COPY_CHUNK = 1 << 20


def table_labels(reader: SnapshotReader) -> list[str]:
    """The archive's tables as an operator names them (`component/table` in a component), `_storage` last
    when the archive holds file storage."""
    labels = sorted(table.label for table in reader.tables)
    for component in reader.storage:
        labels.append(f"{component}/{STORAGE_DIR}" if component else STORAGE_DIR)
    return labels


def unknown_tables(chosen: Collection[str], available: Collection[str]) -> list[str]:
    return [name for name in chosen if name not in set(available)]


def write_table_subset(
    source: str | os.PathLike[str], target: str | os.PathLike[str], chosen: Collection[str]
) -> list[str]:
    """Write the tables `chosen` (labels as `table_labels` gives them) of snapshot ZIP `source` into a new
    ZIP `target`; returns the member names written. Raises `ArchiveError` (`UnknownTable`) naming a chosen
    table the archive lacks."""
    wanted = set(chosen)
    with SnapshotReader(source) as reader:
        missing = unknown_tables(sorted(wanted), table_labels(reader))
        if missing:
            raise ArchiveError(
                "UnknownTable",
                f"the backup has no table {', '.join(missing)}; it has "
                f"{', '.join(table_labels(reader)) or 'no tables'}",
            )
        names = reader.member_names
    written: list[str] = []
    with (
        zipfile.ZipFile(source) as archive,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as out,
    ):
        for name in names:
            path = classify_member(name)
            label = f"{path.component_path}/{path.table}" if path.component_path else path.table
            if name == README_NAME:
                keep = True
            elif path.kind == "tables":
                _write_tables_index(archive, out, name, path.component_path, wanted)
                written.append(name)
                continue
            elif path.kind in ("documents", "schema", "storage_index", "storage_file"):
                keep = label in wanted
            else:
                keep = False
            if keep:
                _copy_member(archive, out, name)
                written.append(name)
    return written


def _write_tables_index(
    archive: zipfile.ZipFile, out: zipfile.ZipFile, name: str, component: str, wanted: set[str]
) -> None:
    lines = []
    for raw in archive.read(name).splitlines():
        if not raw.strip():
            continue
        entry = orjson.loads(raw)
        table = entry.get("name") if isinstance(entry, dict) else None
        label = f"{component}/{table}" if component else table
        if label in wanted:
            lines.append(raw + b"\n")
    out.writestr(_info_like(archive.getinfo(name)), b"".join(lines))


def _info_like(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = zipfile.ZIP_DEFLATED
    copy.external_attr = info.external_attr
    return copy


def _copy_member(archive: zipfile.ZipFile, out: zipfile.ZipFile, name: str) -> None:
    with archive.open(name) as source, out.open(_info_like(archive.getinfo(name)), "w", force_zip64=True) as sink:
        shutil.copyfileobj(source, sink, _COPY_CHUNK)
