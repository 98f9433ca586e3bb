"""Serve deployments over HTTP + WebSocket on 127.0.0.1, each on its own port (the CLI needs bare origins)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn

from tui.emulator.deployment import Deployment
from tui.emulator.http_app import build_app

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
    """Signals are handled once by whoever runs the servers, not by each uvicorn instance."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class DeploymentServer:
    def __init__(self, deployment: Deployment, port: int = 0):
        self.deployment = deployment
        self.socket = bind_loopback(port)
        self.port = self.socket.getsockname()[1]
        deployment.url = f"http://{LOOPBACK}:{self.port}"
        config = uvicorn.Config(
            build_app(deployment),
            log_level="warning",
            access_log=False,  # access lines would carry `?adminKey=` query strings
            ws="websockets-sansio",
            ws_ping_interval=None,  # the sync protocol has its own Ping messages
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self.server = _QuietServer(config)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    async def serve(self) -> None:
        await self.server.serve(sockets=[self.socket])

    def request_stop(self) -> None:
        self.server.should_exit = True


async def serve_all(servers: list[DeploymentServer], stop: asyncio.Event) -> None:
    """Run every server until `stop` is set."""
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.request_stop()
    await asyncio.gather(*tasks, return_exceptions=True)
    stopper.cancel()
    for task in done:
        if task is not stopper and task.exception():
            logging.getLogger(__name__).error("a deployment server stopped: %s", task.exception())
