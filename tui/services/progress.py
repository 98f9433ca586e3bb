"""An ETA from how fast a fraction moves, and the adaptive poll interval (fast while things change, slower
when not). Export messages are read in `export_progress`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


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
