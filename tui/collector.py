"""When the cyclic garbage collector does its work, so that it does not stall start-up or keypresses.

- While a batch of modules loads (Textual, this app's screens, the network stack), the collector is paused,
  and what was loaded is then frozen (`gc.freeze`): later collections skip it. Loading creates a few
  hundred thousand long-lived objects and next to no garbage cycles, and the default thresholds made the
  collector rescan them again and again: some 30-50 ms of a start-up of about half a second
  (tests/benchmarks/test_tui_latency.py).
- After a large table has been drawn (thousands of backups; once per table, not at each refresh of it), one
  full collection runs and everything still alive is frozen. Otherwise every later full collection walks
  each row again: with 20,000 backups shown, pauses of 100-400 ms that landed inside keypresses. The full
  collection starts from an unfrozen heap, so nothing frozen earlier that has since become garbage is kept.

Textual offers a pause of the collector during smooth scrolling too (`App.PAUSE_GC_ON_SCROLL`, off by
default).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

LARGE_TABLE = 2_000  # rows from which `settle_after_large_table` is worth its one full collection


@contextmanager
def loading_modules() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def settle_after_large_table() -> None:
    """One full collection over everything, then freeze what survived (about 150-400 ms at 20,000 rows,
    a fifth of drawing them)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
