"""Open the sandbox of a data folder and serve it: the emulated platform API on its own loopback port
and every deployment on its own, in the foreground or on a background thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.emulator.deployment.deployment import Deployment
from tui.emulator.sandbox.folder_lock import FolderLock
from tui.emulator.platform.app import PlatformServer
from tui.emulator.platform.service import Platform
from tui.emulator.sandbox.loopback_server import LoopbackServers
from tui.emulator.sandbox.server import DeploymentServer, serve_all
from tui.emulator.throttle import Throttle

log = logging.getLogger(__name__)


@dataclass
class SandboxRuntime:
    """The platform and its deployments opened and bound to loopback ports; `run()` serves them until `stop()`."""

    root: Path
    port: int | None = None  # None: each deployment's remembered port; 0: any free port (platform too)
    step_delay: float = 0.0
    clock: str | None = None  # None/'real', 'manual' or 'manual:<epoch seconds>' (platform/clock_control.py)
    seed: str | None = None  # None or 'demo' (platform/seed.py)
    traffic: bool = False  # keep writing to the demo deployments (tui/emulator/demo/traffic.py)
    platform_port: int | None = None  # None: remembered (3200 at first), or any free port with port=0
    deployments: list[Deployment] = field(default_factory=list)
    servers: list[DeploymentServer] = field(default_factory=list)
    platform: Platform | None = None
    platform_server: PlatformServer | None = None
    server: LoopbackServers | None = None  # serving all of them, once `serve()` runs
    traffic_generator: Any = None
    _loop: asyncio.AbstractEventLoop | None = None
    _stop: asyncio.Event | None = None
    _thread: threading.Thread | None = None
    _lock: FolderLock | None = None

    def open(self) -> SandboxRuntime:
        """Raises `folder_lock.FolderBusy` (and opens nothing) when another live process owns the folder: the
        lock comes first, so start-up recovery never touches what another process is doing."""
        self._lock = FolderLock(self.root).acquire()
        try:
            self.platform = platform = Platform(self.root, clock_spec=self.clock)
        except BaseException:
            self.close()
            raise
        try:
            platform.prepare(seed=self.seed)
            folder = platform.folder
            names = platform.deployment_names()
            # One after another: opening a deployment is mostly Python and SQLite work under one interpreter
            # lock; side by side on a thread pool the 13 demo deployments took longer (74 ms against 55 ms
            # measured, for twice the CPU).
            for name in names:
                deployment = folder.open(name, clock=platform.clock, throttle=Throttle(self.step_delay))
                platform.attach(deployment)  # before its workers start: they may report to the platform
                self.deployments.append(deployment)
            for deployment in self.deployments:
                deployment.start()
            for index, deployment in enumerate(self.deployments):
                info = folder.info(deployment.name)
                wanted = info.get("port", 0) if self.port is None else (self.port + index if self.port else 0)
                server = DeploymentServer(deployment, wanted)
                self.servers.append(server)
                if server.port != info.get("port"):
                    folder.save_info(deployment.name, {**info, "port": server.port})
            self.platform_server = PlatformServer(platform, self._platform_port(platform))
            platform.start()
            if self.seed == "demo":
                from tui.emulator.platform import seed

                seed.seed_contents(platform)
            if self.traffic:
                from tui.emulator.platform import seed

                self.traffic_generator = seed.start_traffic(platform)
            self._lock.announce(self.platform_server.url)
        except BaseException:
            self.close()
            raise
        return self

    def _platform_port(self, platform: Platform) -> int:
        if self.platform_port is not None:
            return self.platform_port
        if self.port == 0:
            return 0
        return platform.remembered_port

    @property
    def all_servers(self) -> list:
        return [*([self.platform_server] if self.platform_server else []), *self.servers]

    async def serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.server = LoopbackServers(self.all_servers)
        await serve_all(self.server, self._stop)

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)

    def close(self) -> None:
        if self.traffic_generator is not None:
            try:
                self.traffic_generator.stop()
            except Exception:
                log.exception("stopping the traffic generator failed")
            self.traffic_generator = None
        if self.platform is not None:
            self.platform.stop_workers()
        for deployment in self.deployments:
            deployment.stop()
        self.deployments.clear()
        if self.platform is not None:
            self.platform.stop()
            self.platform = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

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
