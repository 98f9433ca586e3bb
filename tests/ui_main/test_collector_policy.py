"""The garbage collector policy (tui/collector.py): settling after a large table frees garbage that an
earlier freeze had kept, and freezes what is alive."""

from __future__ import annotations

import gc
import weakref

import pytest

from tui import collector


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def unfrozen():
    yield
    gc.unfreeze()
    gc.enable()


def test_settling_frees_garbage_an_earlier_freeze_kept_and_freezes_the_living():
    doomed = Node()
    dead = weakref.ref(doomed)
    gc.freeze()
    del doomed  # garbage now, but frozen: ordinary collections never look at it
    gc.collect()
    assert dead() is not None
    alive = Node()
    collector.settle_after_large_table()
    assert dead() is None and alive.me is alive
    assert gc.get_freeze_count() > 0
