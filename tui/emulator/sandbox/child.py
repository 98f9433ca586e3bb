"""The embedded sandbox as a child process of the app (`python -m tui.emulator.sandbox.child --data DIR`).

The launcher starts it so that the emulator's start-up and every request it serves run on another core
than the UI, instead of contending with it for one interpreter lock. It serves the data folder on free
loopback ports, prints one line `READY <platform URL>` (no token: the launcher reads the operator's token
from the folder), sends anything it logs to `<data>/sandbox.log`, and stops when its standard input
closes, which is how the app says goodbye and how a crashed app is noticed; while another app still uses the
sandbox (folder_lock.UserLease) it serves on until that one leaves too.

When another live process already owns the data folder (folder_lock.py), it opens nothing: it waits until
that process serves, prints `READY <its platform URL>` and exits, and the app uses that sandbox."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

READY = "READY "
LOG_NAME = "sandbox.log"
OWNER_WAIT_S = 170.0  # a little under the launcher's own start timeout: a first start seeds the demo world


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.emulator.sandbox.child")
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args(argv)
    root: Path = args.data
    root.mkdir(parents=True, exist_ok=True)
    ready_out = os.fdopen(os.dup(1), "w")
    log = open(root / LOG_NAME, "a", buffering=1)  # noqa: SIM115 - open for the process's life
    # From here on, whatever the emulator or its servers print goes to the log, never to the app's pipe.
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=log)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.WARNING)

    from tui.emulator.sandbox.folder_lock import FolderBusy, platform_answers, read_running
    from tui.emulator.sandbox.runtime import SandboxRuntime

    deadline = time.monotonic() + OWNER_WAIT_S
    said_busy = False
    while True:
        # A first start gets the demo world (teams, projects, data, backups in every state) to explore and
        # rehearse on; later starts keep whatever the folder holds.
        first_start = not (root / "platform.sqlite3").exists()
        try:
            runtime = SandboxRuntime(root, port=0, seed="demo" if first_start else None).open()
            break
        except FolderBusy as busy:
            if not said_busy:
                logging.warning("%s Waiting for it to serve, to use that sandbox.", busy)
                said_busy = True
            running = read_running(root)
            if running is not None and running.platform_url and platform_answers(running.platform_url):
                logging.warning("%s This app uses that sandbox.", busy)
                ready_out.write(f"{READY}{running.platform_url}\n")
                ready_out.close()
                return 0
            if time.monotonic() > deadline:
                logging.error("%s It did not start serving within %.0f s.", busy, OWNER_WAIT_S)
                return 1
            time.sleep(0.1)  # the owner is starting (or just died, and the lock is about to be free)
    try:
        asyncio.run(_serve(runtime, ready_out))
    finally:
        runtime.close()
    return 0


async def _serve(runtime, ready_out) -> None:
    from tui.emulator.sandbox.folder_lock import wait_until_unused

    loop = asyncio.get_running_loop()
    task = asyncio.create_task(runtime.serve())
    await asyncio.sleep(0)
    stopping = threading.Event()

    def stop() -> None:
        stopping.set()
        runtime.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            wait_until_unused(runtime.root, stopping.is_set)  # another app may still be using this sandbox
            try:
                loop.call_soon_threadsafe(stop)
            except RuntimeError:  # the loop already ended (stopped by a signal meanwhile)
                pass

    threading.Thread(target=watch_stdin, name="parent-watch", daemon=True).start()
    # Ready as soon as the server task runs: every socket already listens (bound by `open`), so a connection
    # the app makes meanwhile waits in the backlog until the server accepts it, while the app spends that
    # time on its own start-up (issue 16).
    ready_out.write(f"{READY}{runtime.platform_server.url}\n")
    ready_out.close()
    # The first request would otherwise import anyio's thread-pool backend (some 50 ms) while the app waits.
    from tui.emulator.routes.common import in_thread

    await in_thread(lambda: None)
    await task


if __name__ == "__main__":
    raise SystemExit(main())
