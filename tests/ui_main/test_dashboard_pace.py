"""The dashboard's pace: the request counts of a cold start on the demo world and of idling (printed), no
credential or size fetched for a deployment that is not on screen, and a running cloud backup asked about
no faster than once a second, backing off while nothing changes."""

from __future__ import annotations

import logging
import re
from collections import Counter

from pilot_support import wait_until

from tui.app import ConvexBackupsApp
from tui.screens.main import screen as main_screen
from tui.services.cloud.backups import FASTEST_POLL_S, follow

REQUEST = re.compile(r"^(GET|POST|HEAD|PUT|DELETE) (\S+) -> \d+")
CREDENTIAL = re.compile(r"^credential for deployment (\S+):")


def _requests(records) -> list[tuple[float, str]]:
    out = []
    for record in records:
        match = REQUEST.match(record.getMessage()) if record.name == "tui.api.transport.http" else None
        if match:
            path = re.sub(r"/(?!v1/)[^/]*[0-9][^/]*", "/{id}", match.group(2) + "/").rstrip("/")
            out.append((record.created, f"{match.group(1)} {path}"))
    return out


async def test_request_counts_of_a_cold_start_and_of_idling(open_demo, caplog):
    caplog.set_level(logging.DEBUG, logger="tui")
    target = await open_demo()
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.deployments and screen.current is not None
                         and not screen.query_one("#backups").empty_text.startswith("Loading")
                         and screen.query_one("#detail").facts_loaded, timeout=60, what="first complete screen")
        await pilot.pause(0.2)
        shown = screen.current.name
        cold = _requests(caplog.records)
        credentials = {m.group(1) for r in caplog.records if (m := CREDENTIAL.match(r.getMessage()))}
        # Idle: wait for the next refresh (the one periodic request group; its timer starts with the screen).
        mark, started = len(caplog.records), cold[0][0]
        await wait_until(pilot, lambda: len(_requests(caplog.records[mark:])) >= 2,
                         timeout=main_screen.IDLE_POLL + 15, what="the idle refresh")
        await pilot.pause(1.0)
        cycle = _requests(caplog.records[mark:])
    first_idle = cycle[0][0] - started
    per_minute = len(cycle) * 60 / main_screen.IDLE_POLL
    print(f"\ncold start on the demo world: {len(cold)} requests to Convex")
    for path, count in sorted(Counter(p for _, p in cold).items()):
        print(f"  {count:3d}  {path}")
    print(f"idle: {len(cycle)} requests every {main_screen.IDLE_POLL:.0f} s (the first {first_idle:.1f} s after "
          f"start-up began) = "
          f"{per_minute:.1f} a minute, {per_minute * 10:.0f} in ten minutes: {sorted(p for _, p in cycle)}")
    assert credentials == {shown}  # no credential (and so no size) for a deployment not on screen
    assert first_idle >= main_screen.IDLE_POLL - 1  # nothing at all between start-up and the refresh
    assert len(cold) <= 20 and per_minute <= 6


async def test_a_running_backup_is_polled_at_most_once_a_second(open_demo, demo_sandbox, caplog):
    caplog.set_level(logging.DEBUG, logger="tui.api.transport.http")
    target = await open_demo()
    ref = next(d for d in await target.list_deployments() if d.team == "acme-corp" and not d.is_prod)
    with demo_sandbox.throttled(ref.name, 1.0):
        record = await target.request_backup(ref)
        seen = [p async for p in follow(target.directory, int(record.id))]
    assert seen[-1].finished
    polls = [at for at, path in _requests(caplog.records) if path == "GET /api/dashboard/cloud_backups/{id}"]
    gaps = [b - a for a, b in zip(polls, polls[1:])]
    print(f"\n{len(polls)} polls of the running backup, gaps {[round(g, 2) for g in gaps]}")
    assert len(polls) >= 3 and min(gaps) >= FASTEST_POLL_S * 0.9
