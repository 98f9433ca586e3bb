"""Worker speed: a delay at every state change and progress step, so a person or a test can watch."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Throttle:
    step_delay: float = 0.0  # seconds slept at each state change and after each progress update
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _changes: int = field(default=0, repr=False)

    def pause(self) -> None:
        """Sleep for the step delay; a change of the delay (or shutdown) during the sleep cuts it short. (A
        change made before the sleep began does not: the first step after a throttle is set is slow too.)"""
        with self._changed:
            if self.step_delay <= 0:
                return
            seen = self._changes
            self._changed.wait_for(lambda: self._changes != seen, timeout=self.step_delay)

    def set(self, step_delay: float) -> None:
        with self._changed:
            self.step_delay = max(0.0, float(step_delay))
            self._changes += 1
            self._changed.notify_all()
