"""Serve deployments over HTTP + WebSocket on 127.0.0.1, each on its own port (the CLI needs bare origins)."""

from __future__ import annotations

import asyncio
import logging

from tui.emulator.deployment.deployment import Deployment
from tui.emulator.routes.app import build_app
from tui.emulator.sandbox.loopback_server import LoopbackServer


class DeploymentServer(LoopbackServer):
    def __init__(self, deployment: Deployment, port: int = 0):
        super().__init__(port)
        self.deployment = deployment
        deployment.url = self.url
        self.configure(
            build_app(deployment),
            ws="websockets-sansio",
            ws_ping_interval=None,  # the sync protocol has its own Ping messages
        )


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
