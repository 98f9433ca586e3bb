"""ASGI apps served on 127.0.0.1 only, each on a port bound before its app is built (a deployment's URL
names its port), all by one uvicorn server, with signals left to whoever runs it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator, Sequence
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
    """Signals are handled once by whoever runs the server, not by uvicorn.

    uvicorn's own main loop wakes every 0.1 s to see whether it should stop (and once a second refreshes the
    Date header): in an idle sandbox that was most of its CPU. Here it wakes once a second for the Date
    header, and at once when told to stop (`stop_now`)."""

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
    """One listening socket and the ASGI app that answers on it (served by `LoopbackServers`)."""

    def __init__(self, port: int = 0):
        self.socket = bind_loopback(port)
        self.port = self.socket.getsockname()[1]
        self.app: Any = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


class _ByLocalPort:
    """The ASGI app that hands each connection to the app of the socket it arrived on: uvicorn gives the
    local address as scope["server"]."""

    def __init__(self, listeners: Sequence[LoopbackServer]):
        self.apps = {listener.port: listener.app for listener in listeners}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await self.apps[scope["server"][1]](scope, receive, send)


class LoopbackServers:
    """Every listener served by one uvicorn server: one start-up (uvicorn loads its protocols and logging
    configuration per server), one main loop, however many deployments (issue 16)."""

    def __init__(self, listeners: Sequence[LoopbackServer]):
        assert all(listener.app is not None for listener in listeners), "every listener needs its app"
        self.sockets = [listener.socket for listener in listeners]
        self.server = _QuietServer(
            uvicorn.Config(
                _ByLocalPort(listeners),
                log_level="warning",
                access_log=False,  # access lines would carry `?adminKey=` query strings
                lifespan="off",
                timeout_graceful_shutdown=2,
                ws="websockets-sansio",
                ws_ping_interval=None,  # the sync protocol has its own Ping messages
            )
        )

    async def serve(self) -> None:
        await self.server.serve(sockets=self.sockets)

    def request_stop(self) -> None:
        self.server.stop_now()
