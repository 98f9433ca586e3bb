"""`convex-backups sandbox serve`: run every deployment of a data folder in the foreground."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from tui.emulator.sandbox_folder import SandboxFolder
from tui.emulator.server import DeploymentServer, serve_all
from tui.emulator.throttle import Throttle


def serve(root: Path, *, port: int | None = None, step_delay: float = 0.0, out=sys.stdout) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    folder = SandboxFolder(root)
    names = folder.deployment_names() or [folder.create_deployment()]
    deployments = []
    servers = []
    try:
        for index, name in enumerate(names):
            deployment = folder.open(name, throttle=Throttle(step_delay))
            deployment.start()
            deployments.append(deployment)
            wanted = folder.info(name).get("port", 0) if port is None else (port + index if port else 0)
            server = DeploymentServer(deployment, wanted)
            servers.append(server)
            folder.save_info(name, {**folder.info(name), "port": server.port})
            print(f"Deployment {name} is serving at {server.url}", file=out, flush=True)
        print(
            f"Data folder: {folder.root}. Credentials: convex-backups sandbox credentials --data {folder.root}",
            file=out,
            flush=True,
        )
        asyncio.run(_run(servers))
    finally:
        for deployment in deployments:
            deployment.stop()
    return 0


async def _run(servers: list[DeploymentServer]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve_all(servers, stop)
