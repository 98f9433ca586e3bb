"""Turning a server's progress words into a `Progress`: fractions from export messages, an ETA from how
fast the fraction moves, and the adaptive poll interval (fast while things change, slower when not)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

_COUNT = re.compile(r":\s*([\d,]+)\s*/\s*([\d,]+)\s+(documents|entries|files)")
_TABLE = re.compile(r"\(table (\d+) of (\d+)\)")


def export_fraction(message: str | None) -> tuple[float | None, int | None, int | None]:
    """(fraction, done, total) from an export progress message such as
    `Backing up users: 1,000 / 4,000 documents (table 2 of 5)`; Nones when it says nothing countable."""
    if not message:
        return None, None, None
    count, table = _COUNT.search(message), _TABLE.search(message)
    done = int(count.group(1).replace(",", "")) if count else None
    total = int(count.group(2).replace(",", "")) if count else None
    within = (done / total if total else 1.0) if count else 0.0
    if table:
        index, tables = int(table.group(1)), int(table.group(2))
        if tables > 0:
            return min(1.0, max(0.0, (index - 1 + min(within, 1.0)) / tables)), done, total
    if count and total:
        return min(1.0, done / total), done, total
    return None, done, total


@dataclass
class Estimator:
    """Elapsed time since start and an ETA from the fraction's recent rate (None until it moves)."""

    started: float = field(default_factory=time.monotonic)
    _first: tuple[float, float] | None = None  # (time, fraction) when the fraction was first seen above 0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def eta(self, fraction: float | None) -> float | None:
        if fraction is None or fraction <= 0:
            return None
        now = time.monotonic()
        if fraction >= 1:
            return 0.0
        if self._first is None:
            self._first = (now, fraction)
            return None
        spent, moved = now - self._first[0], fraction - self._first[1]
        if moved <= 0 or spent <= 0.5:
            return None
        return (1.0 - fraction) * spent / moved


@dataclass
class PollInterval:
    """Fast after a change, backing off while nothing changes: `fast`, doubling up to `slow`."""

    fast: float = 0.25
    slow: float = 3.0
    current: float = 0.25

    def changed(self) -> float:
        self.current = self.fast
        return self.current

    def unchanged(self) -> float:
        self.current = min(self.slow, self.current * 2)
        return self.current
