"""One launch, in a fresh interpreter, for the TUI latency benchmark (run by test_tui_latency.py):

    python tui_latency_probe.py app HOME [--idle SECONDS]    # convex-backups' own start-up path
    python tui_latency_probe.py minimal [--idle SECONDS]     # the minimal Textual app

Prints one JSON line: `wall_done` (time.time() when the screen was first complete, for the parent to
subtract its launch time: interpreter start and imports included), `cpu_done` (this process's CPU seconds
by then, all threads: less noisy than wall time on a shared machine), `from_init` (seconds from App.__init__
to complete, polled every 5 ms) and, with --idle, `idle_cpu` (process CPU seconds over that many idle
seconds, all threads, plus the CPU of the sandbox process the app started, also reported alone as
`idle_cpu_sandbox`) and `idle_requests` (HTTP requests the app sent meanwhile)."""

from __future__ import annotations

import json
import sys
import time

POLL = 0.005
REQUESTS = [0]  # HTTP requests the app sent so far


def count_requests() -> None:
    """From now on, count every request any httpx client of this process sends (clients made earlier
    included: the method is the class's)."""
    import httpx

    send = httpx.AsyncClient.send

    async def counted(self, request, **kwargs):
        REQUESTS[0] += 1
        return await send(self, request, **kwargs)

    httpx.AsyncClient.send = counted


def child_cpu(session) -> float:
    """CPU seconds used so far by the sandbox process the session started (0 without one), from
    /proc/PID/stat: utime and stime, in clock ticks."""
    import os

    runtime = getattr(session, "runtime", None)
    if runtime is None:
        return 0.0
    with open(f"/proc/{runtime.pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(make_app, complete, idle: float, session=None) -> dict:
    import asyncio

    start = time.perf_counter()
    app = make_app()
    drawn = None
    async with app.run_test(size=(120, 40)) as pilot:
        while not complete(app):
            if drawn is None and session is not None and type(app.screen).__name__ == "MainScreen":
                drawn = time.time()
            await asyncio.sleep(POLL)
        done = time.perf_counter()
        wall_done = time.time()
        out = {
            "from_init": done - start,
            "wall_done": wall_done,
            "wall_drawn": drawn or wall_done,
            "cpu_done": time.process_time(),
        }
        if idle:
            if session is not None:
                count_requests()  # only now: importing httpx first would delay the sandbox's start
            await pilot.pause(2.0)  # let start-up work end
            cpu0, child0, t0 = time.process_time(), child_cpu(session), time.perf_counter()
            requests0 = REQUESTS[0]
            await asyncio.sleep(idle)
            out["idle_requests"] = REQUESTS[0] - requests0
            out["idle_cpu"] = time.process_time() - cpu0 + child_cpu(session) - child0
            out["idle_cpu_sandbox"] = child_cpu(session) - child0
            out["idle_wall"] = time.perf_counter() - t0
    return out


def main() -> None:
    import argparse
    import os
    from pathlib import Path

    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here.parents[1]), str(here.parent), str(here)]  # the project, tests/ (memory_target), here
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=("app", "minimal"))
    parser.add_argument("home", nargs="?")
    parser.add_argument("--idle", type=float, default=0.0)
    args = parser.parse_args()

    if args.which == "minimal":
        import asyncio

        from tui_latency_support import MinimalApp, minimal_complete

        result = asyncio.run(measure(MinimalApp, minimal_complete, args.idle))
    else:
        # What `convex-backups` does (tui.cli.main → launcher.run_app: the sandbox starts, then Textual is
        # imported and the app built), with run_test instead of run(). Requests are counted over the idle
        # window only (`measure`), so that httpx is imported where the app imports it.
        from tui import cli

        options = cli.tui_arguments([])
        from tui import launcher

        home = Path(args.home)
        environ = {"CONVEX_BACKUPS_HOME": str(home), "HOME": str(home), "PATH": os.environ.get("PATH", "")}
        outcome: dict = {}

        def runner(make_app, chosen) -> None:
            import asyncio  # as convex-backups: after the launcher started the sandbox

            from tui_latency_support import app_complete

            outcome.update(asyncio.run(measure(make_app, app_complete, args.idle, chosen)))
            outcome["target"] = chosen.spec.kind

        launcher.run_app(
            options.profile, emergency=options.emergency, runner=runner, environ=environ, cwd=home, home=home
        )
        result = outcome
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
