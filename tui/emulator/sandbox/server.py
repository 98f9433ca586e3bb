"""Serve deployments over HTTP + WebSocket on 127.0.0.1, each on its own port (the CLI needs bare origins)."""

from __future__ import annotations

import asyncio
import logging

from tui.emulator.deployment.deployment import Deployment
from tui.emulator.routes.app import build_app
from tui.emulator.sandbox.loopback_server import LoopbackServer, LoopbackServers


class DeploymentServer(LoopbackServer):
    def __init__(self, deployment: Deployment, port: int = 0):
        super().__init__(port)
        self.deployment = deployment
        deployment.url = self.url
        self.app = build_app(deployment)


async def serve_all(servers: LoopbackServers, stop: asyncio.Event) -> None:
    """Serve until `stop` is set."""
    task = asyncio.create_task(servers.serve())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    servers.request_stop()
    await asyncio.gather(task, return_exceptions=True)
    stopper.cancel()
    if not task.cancelled() and task.exception():
        logging.getLogger(__name__).error("the sandbox's server stopped: %s", task.exception())
