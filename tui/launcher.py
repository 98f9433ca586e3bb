"""Composition root for the TUI: choose the target and start what it needs.

Until the Cloud and self-hosted services land, the target is always the embedded local sandbox.
"""

from __future__ import annotations

import logging

from tui.emulator.sandbox_folder import default_data_dir
from tui.emulator.sandbox_runtime import SandboxRuntime


def run_app() -> int:
    # The server's own logs would scribble over the terminal the TUI draws on.
    logging.getLogger("uvicorn").setLevel(logging.CRITICAL)
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    runtime = SandboxRuntime(default_data_dir()).open().start_in_background()
    try:
        from tui.app import ConvexBackupsApp

        targets = [(server.deployment.name, server.url) for server in runtime.servers]
        ConvexBackupsApp(targets=targets, data_dir=str(runtime.root)).run()
    finally:
        runtime.shutdown()
    return 0
