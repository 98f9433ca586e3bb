"""`convex-backups sandbox serve`: run the emulated platform and every deployment in the foreground."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from tui.emulator.sandbox.folder_lock import FolderBusy
from tui.emulator.sandbox.runtime import SandboxRuntime


def serve(
    root: Path,
    *,
    port: int | None = None,
    step_delay: float = 0.0,
    clock: str | None = None,
    seed: str | None = None,
    traffic: bool = False,
    platform_port: int | None = None,
    out=sys.stdout,
) -> int:
    """Prints one line per deployment, then the platform's URL, then the data folder (always last);
    never a token or key. Refused (exit 2, nothing opened) while another process serves the folder."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        runtime = SandboxRuntime(
            root,
            port=port,
            step_delay=step_delay,
            clock=clock,
            seed=seed,
            traffic=traffic,
            platform_port=platform_port,
        ).open()
    except FolderBusy as busy:
        print(
            f"convex-backups sandbox serve: refused: {busy} Only one process serves a data folder: use that "
            "one (convex-backups sandbox credentials gives its URLs and keys), stop it first, or serve "
            "another folder with --data DIR.",
            file=sys.stderr,
        )
        return 2
    try:
        for server in runtime.servers:
            print(f"Deployment {server.deployment.name} is serving at {server.url}", file=out, flush=True)
        if runtime.platform_server is not None:  # `open` started it
            print(f"Platform API is serving at {runtime.platform_server.url}", file=out, flush=True)
        print(
            f"Data folder: {runtime.root}. Credentials: convex-backups sandbox credentials [--platform] "
            f"--data {runtime.root}",
            file=out,
            flush=True,
        )
        asyncio.run(_run(runtime))
    finally:
        runtime.close()
    return 0


async def _run(runtime: SandboxRuntime) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(runtime.serve())
    await asyncio.sleep(0)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runtime.stop)
    await task
