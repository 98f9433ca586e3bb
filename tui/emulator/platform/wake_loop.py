"""A background thread that does its work, then sleeps until the next thing falls due (or it is woken),
shared by the scheduler and retention: both aim at a time read from the platform's store, and a clock
change or a new row wakes them early."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tui.emulator.worker_thread import WorkerThread

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform

log = logging.getLogger(__name__)
MAX_SLEEP_S = 60.0  # look again at least this often, whatever the store says


class WakeLoop(WorkerThread):
    name = "platform-loop"

    def __init__(self, platform: Platform):
        super().__init__(self.name)
        self.platform = platform

    def work(self) -> None:
        raise NotImplementedError

    def next_due_ms(self) -> int | None:
        """Platform-clock time of the next thing due, or None when nothing is waiting."""
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.work()
            except Exception:
                log.exception("%s error; retrying", self.name)
            self._wake.wait(self._sleep_s())
            self._wake.clear()

    def _sleep_s(self) -> float:
        due = self.next_due_ms()
        if due is None:
            return MAX_SLEEP_S
        return min(MAX_SLEEP_S, max(0.05, (due - self.platform.clock.now_ms()) / 1000 + 0.01))
