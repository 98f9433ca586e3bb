"""One full collection of the cyclic garbage collector after a large table has been drawn (thousands of
backups; once per table, not at each refresh of it), then everything still alive is frozen (`gc.freeze`).

Otherwise every later full collection walks each row again: with 20,000 backups shown, 11 full
collections in 50 keypresses took 3.2 s of CPU between them (up to 430 ms each, landing inside
keypresses), against 0.6 s after a freeze (tests/benchmarks/test_tui_latency.py measures the keypress).
The full collection starts from an unfrozen heap, so nothing frozen earlier that has since become
garbage is kept.
"""

from __future__ import annotations

import gc

LARGE_TABLE = 2_000  # rows from which `settle_after_large_table` is worth its one full collection


def settle_after_large_table() -> None:
    """One full collection over everything, then freeze what survived (about 150-400 ms at 20,000 rows,
    a fifth of drawing them)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
