"""The worker side of a download: each chunk is written (with its sha256) on one thread and checked (CRC,
storage sha256) on another, while the next chunk is already being received. Chunks are handed over by the
thread that reads the network (`feed`), not through the event loop. At most `depth` chunks are in
flight, so memory stays flat and a slow disk or checker slows the download instead of filling RAM.

Also the rate meter behind the progress values.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from tui.services.downloads.part_file import PartFile
from tui.archive.stream_check import StreamingZipCheck

T = TypeVar("T")


class ChunkPipeline:
    """Ordered writes and checks off the event loop. Errors surface at a later `feed` or at `drain`."""

    def __init__(self, part: PartFile, checker: StreamingZipCheck, *, depth: int = 8):
        self.part = part
        self.checker = checker
        self._depth = depth
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="download-write")
        self._check = ThreadPoolExecutor(1, thread_name_prefix="download-check")
        self._pending: deque[Future[None]] = deque()

    def feed(self, chunk: bytes) -> None:
        """Hand over the next chunk; blocks while `depth` chunks are in flight. From one thread at a time,
        and never while `drain` runs."""
        while len(self._pending) >= 2 * self._depth:
            self._pending.popleft().result()
        self._pending.append(self._writer.submit(self.part.write, chunk))
        self._pending.append(self._check.submit(self.checker.feed, chunk))

    async def drain(self) -> None:
        """Wait for every chunk handed over so far; raises the first error any of them met."""
        first: BaseException | None = None
        while self._pending:
            try:
                await asyncio.wrap_future(self._pending.popleft())
            except BaseException as exc:  # keep draining so no thread still writes afterwards
                first = first or exc
        if first is not None:
            raise first

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """Run `call` on the writer thread (after every write handed over before it)."""
        return await asyncio.get_running_loop().run_in_executor(self._writer, call, *args)

    async def refeed(self, limit: int) -> None:
        """Feed the first `limit` bytes already in the part file to the (new) checker."""
        await asyncio.get_running_loop().run_in_executor(self._check, self.part.read_existing, self.checker.feed, limit)

    async def abandon(self) -> None:
        """Wait for in-flight work, ignoring its errors (used when giving up anyway)."""
        try:
            await self.drain()
        except BaseException:
            pass

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._check.shutdown(wait=True)


class RateMeter:
    """Bytes per second over the last `window` seconds, and throttling of progress reports."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, window: float = 3.0, every: float = 0.1):
        self._clock = clock
        self._window = window
        self._every = every
        self._samples: deque[tuple[float, int]] = deque()
        self._last_report = float("-inf")
        self.started = clock()

    def add(self, done: int) -> None:
        now = self._clock()
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > self._window:
            self._samples.popleft()

    def reset(self) -> None:
        self._samples.clear()

    @property
    def rate(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started

    def due(self) -> bool:
        now = self._clock()
        if now - self._last_report >= self._every:
            self._last_report = now
            return True
        return False
