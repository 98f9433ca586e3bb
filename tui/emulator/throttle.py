"""Worker speed: a delay at every state change and progress step, so a person or a test can watch."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Throttle:
    step_delay: float = 0.0  # seconds slept at each state change and after each progress update
    _wake: threading.Event = field(default_factory=threading.Event, repr=False)

    def pause(self) -> None:
        """Sleep for the step delay; a change of the delay (or shutdown) cuts the sleep short."""
        if self.step_delay > 0:
            self._wake.wait(self.step_delay)
            self._wake.clear()

    def set(self, step_delay: float) -> None:
        self.step_delay = max(0.0, float(step_delay))
        self._wake.set()
