"""Tells asyncio code (the sync WebSocket) that a commit happened, from whichever thread committed."""

from __future__ import annotations

import asyncio
import threading


class ChangeFeed:
    def __init__(self) -> None:
        self.version = 0
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def bump(self, _ts: int = 0) -> None:
        with self._lock:
            self.version += 1
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed
                pass

    async def wait_past(self, version: int, timeout: float) -> int:
        """Wait until the version moves past `version` or `timeout` passes; return the current version."""
        if self.version != version:
            return self.version
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(entry)
        try:
            if self.version == version:
                try:  # `asyncio.timeout`, not `wait_for`, which on Python 3.11 can drop a cancel
                    async with asyncio.timeout(timeout):
                        await entry[1].wait()
                except TimeoutError:
                    pass
        finally:
            with self._lock:
                self._waiters.discard(entry)
        return self.version
