"""Loading a batch of modules at start-up without the cyclic garbage collector's rescans.

Importing Textual and this app's screens creates a few hundred thousand long-lived objects (modules,
classes, functions, styles), and the collector's default thresholds rescan them again and again while
they load: some 30-50 ms of a start-up of about half a second, measured by
tests/benchmarks/test_tui_latency.py. Loading creates next to no garbage cycles, so the collector is paused
meanwhile, and what was loaded is then frozen (`gc.freeze`): later collections skip it. Textual pauses
the collector the same way during smooth scrolling (`App.PAUSE_GC_ON_SCROLL`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
