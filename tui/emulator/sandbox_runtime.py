"""Open every deployment of a sandbox folder and serve them, in the foreground or on a background thread."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tui.emulator.deployment import Deployment
from tui.emulator.sandbox_folder import SandboxFolder
from tui.emulator.server import DeploymentServer, serve_all
from tui.emulator.throttle import Throttle


@dataclass
class SandboxRuntime:
    """Deployments opened and bound to loopback ports; `run()` serves them until `stop()`."""

    root: Path
    port: int | None = None  # None: each deployment's remembered port; 0: any free port
    step_delay: float = 0.0
    deployments: list[Deployment] = field(default_factory=list)
    servers: list[DeploymentServer] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _stop: asyncio.Event | None = None
    _thread: threading.Thread | None = None

    def open(self) -> SandboxRuntime:
        folder = SandboxFolder(self.root)
        names = folder.deployment_names() or [folder.create_deployment()]
        try:
            for index, name in enumerate(names):
                deployment = folder.open(name, throttle=Throttle(self.step_delay))
                deployment.start()
                self.deployments.append(deployment)
                info = folder.info(name)
                wanted = info.get("port", 0) if self.port is None else (self.port + index if self.port else 0)
                server = DeploymentServer(deployment, wanted)
                self.servers.append(server)
                folder.save_info(name, {**info, "port": server.port})
        except BaseException:
            self.close()
            raise
        return self

    async def serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await serve_all(self.servers, self._stop)

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)

    def close(self) -> None:
        for deployment in self.deployments:
            deployment.stop()
        self.deployments.clear()

    # -- embedded use: the app runs the sandbox on a background thread ---------------------------
    def start_in_background(self) -> SandboxRuntime:
        ready = threading.Event()

        def run() -> None:
            async def main() -> None:
                task = asyncio.create_task(self.serve())
                await asyncio.sleep(0)
                ready.set()
                await task

            asyncio.run(main())

        self._thread = threading.Thread(target=run, name="sandbox", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def shutdown(self) -> None:
        self.stop()
        if self._thread:
            self._thread.join(timeout=10)
        self.close()
