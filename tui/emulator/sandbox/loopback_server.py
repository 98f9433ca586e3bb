"""An ASGI app served by uvicorn on 127.0.0.1 only, on a port bound before the app is built (a
deployment's URL names its port), with signals left to whoever runs the servers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

LOOPBACK = "127.0.0.1"


def bind_loopback(port: int) -> socket.socket:
    """Bind 127.0.0.1:port, or a free port when that one is taken or port is 0."""
    for candidate in (port, 0) if port else (0,):
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only when their proto says TCP, and
        # without it a response written in two parts waits 40 ms for the client's delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, candidate))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        sock.setblocking(False)
        return sock
    raise OSError("no free loopback port")


class _QuietServer(uvicorn.Server):
    """Signals are handled once by whoever runs the servers, not by each uvicorn instance.

    uvicorn's own main loop wakes every 0.1 s to see whether it should stop (and once a second refreshes the
    Date header): with one server per deployment that was nearly all of an idle sandbox's CPU.
    Here it wakes once a second for the Date header, and at once when told to stop (`request_stop`)."""

    TICK = 1.0  # seconds; uvicorn's `on_tick` refreshes the Date header when its counter is a multiple of 10

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def main_loop(self) -> None:
        self._wake = asyncio.Event()
        while not await self.on_tick(0):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.TICK)

    def stop_now(self) -> None:
        self.should_exit = True
        wake = getattr(self, "_wake", None)
        if wake is not None:
            wake.set()


class LoopbackServer:
    def __init__(self, port: int = 0):
        self.socket = bind_loopback(port)
        self.port = self.socket.getsockname()[1]
        self.server: _QuietServer | None = None

    def configure(self, app: Any, **options: Any) -> None:
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,  # access lines would carry `?adminKey=` query strings
            lifespan="off",
            timeout_graceful_shutdown=2,
            **options,
        )
        self.server = _QuietServer(config)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def serve(self) -> None:
        assert self.server is not None, "configure() first"
        await self.server.serve(sockets=[self.socket])

    def request_stop(self) -> None:
        if self.server is not None:
            self.server.stop_now()
