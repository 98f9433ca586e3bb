"""The sandbox's clock: real time, or one ManualClock shared by the platform and every deployment
(`sandbox serve --clock manual[:EPOCH_SECONDS]`), moved only by `POST /api/_emulator/clock`.

A manual clock never runs backwards in a data folder: the time it last showed is kept in the platform
store and a restart resumes from it when that is later than the requested start.
"""

from __future__ import annotations

from tui.emulator.clock import Clock, ManualClock
from tui.emulator.platform.store import PlatformStore

META_KEY = "manual_clock_ms"


class SandboxClock(ManualClock):
    """A ManualClock that can be set to an exact nanosecond (float seconds would lose the last ms)."""

    def set_ns(self, ns: int) -> None:
        with self._lock:
            self._ns = int(ns)

    def set_ms(self, ms: int) -> None:
        self.set_ns(int(ms) * 1_000_000)


def parse_spec(spec: str | None) -> tuple[bool, float | None]:
    """`None`/`real` → real time; `manual` or `manual:<epoch seconds>` → a manual clock."""
    if spec in (None, "", "real"):
        return False, None
    kind, _, start = spec.partition(":")
    if kind != "manual":
        raise ValueError(f"--clock must be 'real', 'manual' or 'manual:<epoch seconds>', not {spec!r}")
    if not start:
        return True, None
    try:
        return True, float(start)
    except ValueError:
        raise ValueError(f"--clock manual:<epoch seconds> needs a number, not {start!r}") from None


def make_clock(spec: str | None, store: PlatformStore) -> Clock:
    manual, start_s = parse_spec(spec)
    if not manual:
        return Clock()
    clock = SandboxClock(start_s)
    if start_s is not None:
        clock.set_ns(round(start_s * 1000) * 1_000_000)  # a whole millisecond, exactly
    remembered = store.get_meta(META_KEY)
    if remembered is not None and int(remembered) > clock.now_ms():
        clock.set_ms(int(remembered))
    remember(clock, store)
    return clock


def remember(clock: Clock, store: PlatformStore) -> None:
    if isinstance(clock, ManualClock):
        with store.write() as conn:
            store.set_meta(conn, META_KEY, str(clock.now_ms()))
