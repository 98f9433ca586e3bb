"""How far a snapshot export has come, from the words Convex itself writes to `_exports.progress_message`.

Convex's export worker (tui/emulator/README.md) says `Backing up <table>` as it starts a table and
`Backing up <table>: n / total documents` while it writes one; tables of components carry ` in '<path>'`.
It writes the tables small to large, then `_storage` (`n / total entries (metadata)`, then
`n / total files (downloading)`). The words never say "table i of N", so the export as a whole is measured
against the deployment's own table sizes, read when following starts (`ExportProgress(table_sizes)`):
tables already passed, and tables smaller than the current one, count as written. (Convex orders by
bytes, the client knows document counts: a table guessed wrong only holds the fraction still for a
while, as it never goes back.)

Without those sizes (the deployment refused the query, an old server) only the current table's fraction is
known. That is reported honestly: `overall` is False, and callers show no time left (it would start over
with every table).
"""

from __future__ import annotations

import re
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.api.errors import ConvexApiError

if TYPE_CHECKING:
    from tui.api.deployment.client import DeploymentClient

log = logging.getLogger(__name__)

_MESSAGE = re.compile(
    r"^Backing up (?P<table>[^\s:]+)(?P<component> in '[^']*')?"
    r"(?::\s*(?P<done>[\d,]+)\s*/\s*(?P<total>[\d,]+)\s+(?P<unit>documents|entries|files))?"
)
STORAGE = "_storage"
TABLES = "_tables"


@dataclass(frozen=True)
class ExportReading:
    fraction: float | None  # of the whole export when `overall`, else of the current table
    done: int | None  # the current table's count, as the message says
    total: int | None
    overall: bool  # True: `fraction` covers the whole export, so a time left can be estimated


def table_fraction(message: str | None) -> ExportReading:
    """The current table's fraction alone (what the words say, nothing more)."""
    match = _MESSAGE.match(message or "")
    if not match or match.group("done") is None:
        return ExportReading(None, None, None, False)
    done, total = _count(match.group("done")), _count(match.group("total"))
    return ExportReading(min(1.0, done / total) if total else 1.0, done, total, False)


class ExportProgress:
    """Reads each progress message of one export in turn; `table_sizes` maps the root component's user
    tables to their document counts (None when they could not be read)."""

    def __init__(self, table_sizes: Mapping[str, int] | None = None):
        self.sizes = {name: max(0, int(n)) for name, n in (table_sizes or {}).items()}
        self.grand = sum(self.sizes.values())
        self.written: set[str] = set()  # tables seen and left behind
        self.current: str | None = None
        self.best = 0.0  # the fraction never goes back (a table smaller than thought, a missed message)

    @property
    def knows_sizes(self) -> bool:
        return self.grand > 0

    def read(self, message: str | None) -> ExportReading:
        alone = table_fraction(message)
        if not self.knows_sizes:
            return alone
        match = _MESSAGE.match(message or "")
        if not match:
            return ExportReading(self.best, None, None, True)  # "Beginning backup" and the like
        key = match.group("table") + (match.group("component") or "")
        if key != self.current:
            if self.current is not None:
                self.written.add(self.current)
            self.current = key
        fraction = self._fraction(key, match.group("table"), match.group("unit"), alone)
        if fraction is not None:
            self.best = max(self.best, min(1.0, fraction))
        return ExportReading(self.best, alone.done, alone.total, True)

    def _fraction(self, key: str, table: str, unit: str | None, alone: ExportReading) -> float | None:
        if table == STORAGE:  # every document table is written; the files remain
            files = alone.total or 0
            done = (alone.done or 0) if unit == "files" else 0  # the metadata comes before any file
            return (self.grand + done) / (self.grand + files)
        if table == TABLES:
            return 0.0
        if key not in self.sizes:  # a component's table or one made since: no place in the count
            return None
        size = self.sizes[key]
        behind = sum(n for name, n in self.sizes.items() if name != key and (name in self.written or n < size))
        return (behind + min(alone.done or 0, size)) / self.grand


def _count(text: str) -> int:
    return int(text.replace(",", ""))


async def read_table_sizes(client: DeploymentClient) -> dict[str, int] | None:
    """The root component's user tables and their document counts (two system queries), or None when the
    deployment will not say: progress then falls back to the current table's fraction."""
    try:
        return await client.table_sizes(await client.user_tables())
    except ConvexApiError as exc:
        log.info("table sizes unavailable for overall export progress (%s)", type(exc).__name__)
        return None
