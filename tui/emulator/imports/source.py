"""The uploaded file as tables of rows, whatever its format, read as a stream: the
interface the parse and execute phases use. The formats: zip_source (a snapshot ZIP, read with the
archive package's `SnapshotReader`) and single_table (CSV, JSONL and JSON-array files hold one
table); formats picks one. Every problem is an `ImportFailure` (failures).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tui.emulator.imports.row_checks import id_number


def join_component(base: str, inner: str) -> str:
    return "/".join(p for p in (base, inner) if p)


@dataclass(frozen=True)
class SourceTable:
    component: str  # full component path, "" for the root
    name: str
    entry: Any  # the format's handle on the rows; None for a table only listed in `_tables`


class Source:
    """Common interface; see ZipSource for the meaning of each method."""

    tables: list[SourceTable]
    storage_components: list[str]

    def pinned(self, component: str) -> dict[str, int]:
        return {}

    def scan(self, table: SourceTable) -> Generator[tuple[int, int | None], None, None]:
        """Validate every row: (line, table number of its `_id` or None)."""
        for line, document in self.documents(table):
            yield line, id_number(document, line, table.name)

    def documents(self, table: SourceTable) -> Iterator[tuple[int, dict[str, Any]]]:
        raise NotImplementedError

    def row_blocks(self, table: SourceTable) -> Iterator[Sequence[tuple[str, float, bytes] | dict[str, Any]]]:
        """The rows to store, a block at a time: (`_id`, `_creationTime`, line with its newline) for a
        line stored as it is, else the decoded document (to be completed and encoded)."""
        block: list[tuple[str, float, bytes] | dict[str, Any]] = []
        for _, document in self.documents(table):
            block.append(document)
            if len(block) >= 1000:
                yield block
                block = []
        if block:
            yield block

    # `_storage`: only a ZIP has one (`storage_components` is empty for every other source).
    def storage_index(self, component: str) -> Iterator[tuple[int, dict[str, Any]]]:
        raise NotImplementedError

    def storage_files(self, component: str) -> dict[str, str]:
        raise NotImplementedError

    def storage_file_size(self, member: str) -> int:
        raise NotImplementedError

    def storage_chunks(self, member: str) -> Iterator[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
