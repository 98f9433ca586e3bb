"""A large response body read with blocking calls on its own thread.

Through the event loop every network piece (64 KiB) costs a wakeup, a pause and resume of the socket and a
timeout scope: for a 1 GB backup that was more CPU than hashing it. Here one thread reads the pieces one
after another and gathers them into pieces of at least `size` bytes (the last one may be shorter), which it
passes on itself (`pour`), so that the event loop is not on the data's path at all.

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

from tui.api.errors import Target
from tui.api.transport.errors import transport_error
from tui.api.secrets import Secret


class ThreadedBody:
    """The body of a blocking `httpx.Response` (see `HttpSession.stream`). Read it once."""

    def __init__(self, response: httpx.Response, *, target: Target, secrets: Iterable[str | Secret | None] = ()):
        self._response = response
        self._pieces: Iterator[bytes] = response.iter_raw()  # as the network delivers them
        self._target = target
        self._secrets = tuple(secrets)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="download-read")
        self._running: Future[Any] | None = None  # the thread's current job
        self._stopping = False

    async def pour(self, sink: Callable[[bytes], None], size: int) -> None:
        """Read the whole body, calling `sink` with each piece of at least `size` bytes (the last may be
        shorter) on the reading thread (a `sink` that blocks slows the reading down). Returns at the end of
        the body; raises `NetworkError` after passing on what arrived, or what `sink` raised."""
        self._running = self._thread.submit(self._pour, sink, size)
        await asyncio.wrap_future(self._running)

    def _pour(self, sink: Callable[[bytes], None], size: int) -> None:
        pieces: list[bytes] = []
        gathered = 0
        try:
            for piece in self._pieces:
                if self._stopping:
                    return
                pieces.append(piece)
                gathered += len(piece)
                if gathered >= size:
                    sink(pieces[0] if len(pieces) == 1 else b"".join(pieces))
                    pieces, gathered = [], 0
        except httpx.TransportError as exc:
            if pieces and not self._stopping:
                sink(b"".join(pieces))
            raise transport_error(exc, self._target, self._secrets) from None
        if pieces and not self._stopping:
            sink(b"".join(pieces))

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
