"""A snapshot ZIP as an import source, read with the archive package's `SnapshotReader`.

The parse phase checks every line (scan_blocks); the execute phase then stores complete uniform lines as
they are (stored_items).
"""

from __future__ import annotations

import math
import re
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, TypeGuard

import orjson

from tui.archive.errors import ArchiveError
from tui.archive.members import CHUNK
from tui.archive.reader import SnapshotReader, TableEntry
from tui.values.encoding import ConvexValueError, decode_export_document, decode_legacy_document
from tui.emulator.imports.failures import failure, from_archive_error, row_failure
from tui.emulator.imports.row_checks import check_body, check_creation_time
from tui.emulator.imports.source import Source, SourceTable, join_component


def _all_tuples(items: Sequence[object]) -> TypeGuard[Sequence[tuple[str, float, bytes]]]:
    return set(map(type, items)) <= {tuple}


# `{"_creationTime":<JSON number>,"_id":"<id characters>"` then `,` or `}`; group 2 is the fraction
# or exponent that makes the number a float.
_ROW_HEAD = re.compile(
    rb'\{"_creationTime":(-?(?:0|[1-9][0-9]*)((?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)),"_id":"([0-9a-z]+)"[,}]'
)


class ZipSource(Source):
    def __init__(self, path: Path, base: str):
        try:
            self.reader = SnapshotReader(path)
        except ArchiveError as err:
            raise from_archive_error(err) from None
        except OSError as err:
            raise failure("InvalidZip", f"cannot read the uploaded file: {err.strerror}") from None
        self.base = base
        self._inner = {join_component(base, c): c for c in self.reader.components}
        self._pinned: dict[str, dict[str, int]] = {}
        self.tables = []
        try:
            for full, inner in self._inner.items():
                self._pinned[full] = self.reader.tables_index(inner)
            seen = set()
            for entry in self.reader.tables:
                full = join_component(base, entry.component_path)
                self.tables.append(SourceTable(full, entry.name, entry))
                seen.add((full, entry.name))
            for full, index in self._pinned.items():
                for name in index:
                    if (full, name) not in seen:  # listed in `_tables` without documents: an empty table
                        self.tables.append(SourceTable(full, name, None))
        except ArchiveError as err:
            raise from_archive_error(err) from None
        self.storage_components = [join_component(base, c) for c in self.reader.storage]

    def pinned(self, component: str) -> dict[str, int]:
        return dict(self._pinned.get(component, {}))

    def scan(self, table: SourceTable) -> Generator[tuple[int, int | None], None, None]:
        if table.entry is None:
            return
        line = 0
        try:
            with closing(self.reader.iter_documents_with_ids(table.entry)) as rows:
                for line, document, doc_id in rows:
                    if not isinstance(document, dict):
                        raise row_failure("InvalidConvexValue", line, "expected an object")
                    created = document.get("_creationTime")
                    if created is not None:
                        check_creation_time(created, line, table.entry.documents_member)
                    yield line, doc_id.table_number if doc_id else None
        except ArchiveError as err:
            raise from_archive_error(err) from None
        except TypeError:  # the reader met a line that decodes to a non-object ({"$bytes": ...})
            raise row_failure("InvalidConvexValue", line + 1, "expected an object") from None

    def documents(self, table: SourceTable) -> Iterator[tuple[int, dict[str, Any]]]:
        if table.entry is None:
            return
        try:
            yield from self.reader.iter_documents(table.entry)
        except ArchiveError as err:
            raise from_archive_error(err) from None

    def table_size(self, table: SourceTable) -> int:
        """Uncompressed bytes of the table's documents.jsonl (0 for a table without one)."""
        return table.entry.size if table.entry is not None else 0

    def scan_blocks(self, table: SourceTable) -> Iterator[tuple[int, list[int | None]]]:
        """scan() a block of lines at a time: (first line, the table number of each line's `_id`).
        A bad line ends the block before it and then raises, so problems surface in line order."""
        entry: TableEntry | None = table.entry
        if entry is None:
            return
        try:
            bodies = self.reader.iter_line_bodies(entry.documents_member)
            with closing(bodies):
                for first, body in bodies:
                    numbers, problem = check_body(entry, first, body)
                    if numbers:
                        yield first, numbers
                    if problem is not None:
                        raise problem
        except ArchiveError as err:
            raise from_archive_error(err) from None

    def row_blocks(self, table: SourceTable) -> Iterator[Sequence[tuple[str, float, bytes] | dict[str, Any]]]:
        """The rows to store, a block at a time: (`_id`, `_creationTime`, line with its newline) for a
        line stored as it is, else the decoded document (to be completed and encoded)."""
        entry: TableEntry | None = table.entry
        if entry is None:
            return
        for items in self.stored_items(table):
            if _all_tuples(items):
                yield items
            else:
                yield [item if isinstance(item, tuple) else self.finish_row(entry, item) for item in items]

    def stored_items(self, table: SourceTable) -> Iterator[Sequence[tuple[str, float, bytes] | bytes]]:
        """Like row_blocks, but a line that needs more than a glance is left as it is (bytes), for
        finish_row: (`_id`, `_creationTime`, line) for a line that certainly starts with
        `{"_creationTime":<float>,"_id":"<id>"` (no JSON parsing needed), else the line.

        The file was fully checked in the parse phase, so a complete uniform line is stored as is.
        """
        entry: TableEntry | None = table.entry
        if entry is None:
            return
        head, isfinite = _ROW_HEAD.match, math.isfinite
        try:
            blocks = self.reader.iter_line_blocks(entry.documents_member)
            with closing(blocks):
                for _, lines in blocks:
                    if not entry.uniform:
                        yield lines
                        continue
                    out: list[tuple[str, float, bytes] | bytes] = []
                    add = out.append
                    for raw in lines:
                        match = head(raw)
                        # Taken only when the prefix is certainly what JSON parsing would give: a
                        # float (it has a '.' or an exponent), an id with no escapes, and no second
                        # `_creationTime` or `_id` key later on the line (the last one would win).
                        if (
                            match is not None
                            and match[2]
                            and raw.find(b'"_id"', match.end()) == -1
                            and (raw.find(b'"_creationTime"', match.end()) == -1)
                        ):
                            created = float(match[1])
                            if isfinite(created):
                                add((match[3].decode(), created, raw))
                                continue
                        add(raw)
                    yield out
        except ArchiveError as err:
            raise from_archive_error(err) from None

    @staticmethod
    def finish_row(entry: TableEntry, raw: bytes) -> tuple[str, float, bytes] | dict[str, Any]:
        """A line stored_items left as it is -> (`_id`, `_creationTime`, line) or the decoded document."""
        try:
            obj = orjson.loads(raw[:-1])  # without the newline, which changes some JSON messages
            if entry.uniform:
                if type(obj.get("_creationTime")) is float and isinstance(obj.get("_id"), str):
                    return obj["_id"], obj["_creationTime"], raw
                return decode_export_document(obj)
            return decode_legacy_document(obj)
        except (orjson.JSONDecodeError, ConvexValueError) as err:  # the file changed since it was parsed
            raise failure("InvalidZip", f"{entry.documents_member}: {err}") from None

    def storage_index(self, component: str) -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            yield from self.reader.iter_storage_index(self._inner[component])
        except ArchiveError as err:
            raise from_archive_error(err) from None

    def storage_files(self, component: str) -> dict[str, str]:
        return dict(self.reader.storage[self._inner[component]].files)

    def storage_file_size(self, member: str) -> int:
        return self.reader.member_size(member)

    def storage_chunks(self, member: str) -> Iterator[bytes]:
        """The file's bytes; reading to the end checks the member's size and CRC-32."""
        try:
            with self.reader.open_member(member) as stream:
                while chunk := stream.read_chunk(CHUNK):
                    yield chunk
        except ArchiveError as err:
            raise from_archive_error(err) from None

    def close(self) -> None:
        self.reader.close()


# -- single-table formats ---------------------------------------------------------------------------
