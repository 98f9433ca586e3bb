"""What is inside a snapshot ZIP, cheaply: counts lines per table and decodes only a few sample documents."""

from __future__ import annotations

import os
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from tui.archive.ids import table_number_of
from tui.archive.reader import SnapshotReader
from tui.values.encoding import encode_export_value


@dataclass
class TableSummary:
    component_path: str  # "" for the root component
    name: str
    table_number: int | None  # from `_tables`, else from the first document's `_id`, else None
    documents: int
    bytes: int  # uncompressed size of documents.jsonl
    samples: list[dict[str, Any]] = field(default_factory=list)  # the first documents, decoded


@dataclass
class ArchiveSummary:
    path: str
    zip_bytes: int  # the ZIP file's own size
    snapshot_ts: int | None  # ns since the epoch, from the file name
    deployment_name: str | None  # from the file name
    components: list[str]
    tables: list[TableSummary]
    storage_files: int  # from `_storage/documents.jsonl`
    storage_bytes: int  # sum of the metadata `size` fields
    storage_members: int  # file entries actually present in the ZIP

    @property
    def documents(self) -> int:
        return sum(t.documents for t in self.tables)


def inspect_archive(path: str | os.PathLike[str], *, samples: int = 3) -> ArchiveSummary:
    """Summarize the archive. Raises ArchiveError for problems met on the way (not a full check:
    use verify_archive for that)."""
    with SnapshotReader(path) as reader:
        tables = []
        for table in reader.tables:
            documents = reader.count_lines(table.documents_member)
            first: list[dict[str, Any]] = []
            number = reader.tables_index(table.component_path).get(table.name)
            wanted = samples if number is not None else max(samples, 1)
            if documents and wanted:
                with closing(reader.iter_documents(table)) as rows:
                    for _, document in rows:
                        first.append(document)
                        if len(first) >= wanted:
                            break
            if number is None:
                number = _first_table_number(first)
            summary = TableSummary(table.component_path, table.name, number, documents, table.size, first[:samples])
            tables.append(summary)
        storage_files = storage_bytes = storage_members = 0
        for component, entry in reader.storage.items():
            storage_members += len(entry.files)
            for _, row in reader.iter_storage_index(component):
                storage_files += 1
                size = row.get("size")
                storage_bytes += size if isinstance(size, int) else 0
        return ArchiveSummary(
            path=reader.path,
            zip_bytes=os.path.getsize(reader.path),
            snapshot_ts=reader.snapshot_ts,
            deployment_name=reader.deployment_name,
            components=reader.components,
            tables=tables,
            storage_files=storage_files,
            storage_bytes=storage_bytes,
            storage_members=storage_members,
        )


def _first_table_number(documents: list[dict[str, Any]]) -> int | None:
    for document in documents:
        if isinstance(document.get("_id"), str):
            return table_number_of(document["_id"])  # already validated by the reader
    return None


def summary_to_dict(summary: ArchiveSummary) -> dict[str, Any]:
    """JSON-ready form for `--json`; sample documents in export JSON (what documents.jsonl holds)."""
    return {
        "path": summary.path,
        "zipBytes": summary.zip_bytes,
        "snapshotTs": summary.snapshot_ts,
        "deploymentName": summary.deployment_name,
        "components": summary.components,
        "documents": summary.documents,
        "tables": [
            {
                "component": t.component_path,
                "name": t.name,
                "tableNumber": t.table_number,
                "documents": t.documents,
                "bytes": t.bytes,
                "samples": [encode_export_value(d) for d in t.samples],
            }
            for t in summary.tables
        ],
        "storage": {"files": summary.storage_files, "bytes": summary.storage_bytes, "members": summary.storage_members},
    }
