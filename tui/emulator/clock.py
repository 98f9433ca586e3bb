"""Time for the emulator, injectable so tests can drive schedules and expiry without waiting."""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock time; `ManualClock` replaces it in tests."""

    def now(self) -> float:
        return time.time()

    def now_ns(self) -> int:
        return time.time_ns()

    def now_ms(self) -> int:
        return self.now_ns() // 1_000_000


class ManualClock(Clock):
    """Time that only moves when told to (thread-safe)."""

    def __init__(self, start_s: float | None = None):
        self._ns = int((time.time() if start_s is None else start_s) * 1e9)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self.now_ns() / 1e9

    def now_ns(self) -> int:
        with self._lock:
            return self._ns

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._ns += int(seconds * 1e9)

    def set(self, epoch_s: float) -> None:
        with self._lock:
            self._ns = int(epoch_s * 1e9)
