"""One launch, in a fresh interpreter, for the TUI latency benchmark (run by test_tui_latency.py):

    python tui_latency_probe.py app HOME [--idle SECONDS]    # convex-backups' own start-up path
    python tui_latency_probe.py minimal [--idle SECONDS]     # the minimal Textual app

Prints one JSON line: `wall_done` (time.time() when the screen was first complete, for the parent to
subtract its launch time: interpreter start and imports included), `from_init` (seconds from App.__init__
to complete, polled every 5 ms) and, with --idle, `idle_cpu` (process CPU seconds over that many idle
seconds, all threads: for the app that includes the embedded sandbox it starts)."""

from __future__ import annotations

import json
import sys
import time

POLL = 0.005


async def measure(make_app, complete, idle: float) -> dict:
    import asyncio

    start = time.perf_counter()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        while not complete(app):
            await asyncio.sleep(POLL)
        done = time.perf_counter()
        wall_done = time.time()
        out = {"from_init": done - start, "wall_done": wall_done}
        if idle:
            await pilot.pause(2.0)  # let start-up work end
            cpu0, t0 = time.process_time(), time.perf_counter()
            await asyncio.sleep(idle)
            out["idle_cpu"] = time.process_time() - cpu0
            out["idle_wall"] = time.perf_counter() - t0
    return out


def main() -> None:
    import argparse
    import asyncio
    import os
    from pathlib import Path

    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here.parents[1]), str(here)]
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=("app", "minimal"))
    parser.add_argument("home", nargs="?")
    parser.add_argument("--idle", type=float, default=0.0)
    args = parser.parse_args()

    if args.which == "minimal":
        from tui_latency_support import MinimalApp, minimal_complete

        result = asyncio.run(measure(MinimalApp, minimal_complete, args.idle))
    else:
        # What `convex-backups` does (tui.cli → launcher.run_app), with run_test instead of run().
        from tui import launcher
        from tui.app import ConvexBackupsApp
        from tui_latency_support import app_complete

        home = Path(args.home)
        environ = {"CONVEX_BACKUPS_HOME": str(home), "HOME": str(home), "PATH": os.environ.get("PATH", "")}
        with launcher.session(environ=environ, cwd=home, home=home) as chosen:
            result = asyncio.run(measure(lambda: ConvexBackupsApp(session=chosen, config=chosen.config),
                                         app_complete, args.idle))
            result["target"] = chosen.spec.kind
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
