"""A large response body read with blocking calls on its own thread.

Through the event loop every network piece (64 KiB) costs a wakeup, a pause and resume of the socket and a
timeout scope: for a 1 GB backup that was more CPU than hashing it. Here one thread reads the pieces one
after another and gathers them into pieces of exactly `size` bytes (the last one may be shorter; whole
blocks are what a file written with O_DIRECT takes), which it passes on itself (`pour`), so that the event
loop is not on the data's path at all.

What arrived before a failure is handed over first; the failure comes after it. Closing while a read is
in flight shuts the socket down, so the thread stops at once instead of at the read timeout.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from concurrent.futures import Future, ThreadPoolExecutor

import httpx

from tui.api.errors import ConvexApiError, Target
from tui.api.transport.errors import transport_error
from tui.api.secrets import Secret


class ThreadedBody:
    """The body of a blocking `httpx.Response` (see `HttpSession.stream(blocking=True)`). Read it once."""

    def __init__(self, response: httpx.Response, *, target: Target, secrets: Iterable[str | Secret | None] = ()):
        self._response = response
        self._pieces: Iterator[bytes] = response.iter_raw()  # as the network delivers them
        self._target = target
        self._secrets = tuple(secrets)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="download-read")
        self._failure: ConvexApiError | None = None
        self._running: Future[Any] | None = None  # the thread's current job
        self._carry: memoryview | None = None  # what the last network piece had beyond the last chunk
        self._stopping = False

    async def pour(self, sink: Callable[[bytes], None], size: int) -> None:
        """Read the whole body, calling `sink` with each piece of `size` bytes on the reading
        thread (a `sink` that blocks slows the reading down). Returns at the end of the body; raises
        `NetworkError` after passing on what arrived, or what `sink` raised."""
        self._running = self._thread.submit(self._pour, sink, size)
        await asyncio.wrap_future(self._running)

    def _pour(self, sink: Callable[[bytes], None], size: int) -> None:
        while not self._stopping and (chunk := self._gather(size)):
            sink(chunk)

    def _gather(self, size: int) -> bytes:
        if self._failure is not None:
            raise self._failure
        pieces: list[bytes | memoryview] = [self._carry] if self._carry is not None else []
        gathered = len(self._carry) if self._carry is not None else 0
        self._carry = None
        try:
            while gathered < size and (piece := next(self._pieces, None)) is not None:
                pieces.append(piece)
                gathered += len(piece)
        except httpx.TransportError as exc:
            self._failure = transport_error(exc, self._target, self._secrets)
            if not pieces or self._stopping:
                raise self._failure from None
        if gathered > size:  # keep the overshoot (a view, not a copy) for the next chunk
            last = memoryview(pieces[-1])
            cut = len(last) - (gathered - size)
            pieces[-1], self._carry = last[:cut], last[cut:]
        if len(pieces) == 1 and isinstance(pieces[0], bytes):
            return pieces[0]
        return b"".join(pieces)

    async def aclose(self) -> None:
        """Stop reading and close the response (its connection is not reused if the body was not read)."""
        self._stopping = True
        running, self._running = self._running, None
        if running is not None:
            if not running.done():
                self._interrupt()
            try:
                await asyncio.shield(asyncio.wrap_future(running))
            except BaseException:  # noqa: BLE001 - what a read that nobody waits for met does not matter
                pass
        try:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._response.close)
        finally:
            self._thread.shutdown(wait=False)

    def _interrupt(self) -> None:
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            try:
                # The plain socket's shutdown, also under TLS: it wakes the reading thread without
                # touching the TLS object that thread is using.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass
