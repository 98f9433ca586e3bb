"""The garbage collector policy (tui/collector.py): modules loaded with the collector paused are frozen and
the collector's state is restored; settling after a large table frees garbage that an earlier freeze had
kept, and freezes what is alive."""

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


def test_what_loads_with_the_collector_paused_is_frozen_and_the_collector_runs_again():
    gc.enable()
    before = gc.get_freeze_count()
    with collector.loading_modules():
        assert not gc.isenabled()
        made = [Node() for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(made)


def test_a_collector_paused_before_stays_paused():
    gc.disable()
    with collector.loading_modules():
        pass
    assert not gc.isenabled()


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
