"""The dashboard's pace: the request count of a cold start on the demo world (printed), its backups asked
for before the rest, none at all while nothing runs, no credential or size fetched for a deployment that is
not on screen, and a running cloud backup asked about no faster than once a second, backing off while
nothing changes."""

from __future__ import annotations

import logging
import re
from collections import Counter

from pilot_support import wait_until

from tui.app import ConvexBackupsApp
from tui.screens.main import screen as main_screen
from tui.widgets.trend_panel import TrendPanel
from tui.services.cloud.backups import FASTEST_POLL_S, follow

REQUEST = re.compile(r"^(GET|POST|HEAD|PUT|DELETE) (\S+) -> \d+ \((\d+) ms\)")
CREDENTIAL = re.compile(r"^credential for deployment (\S+):")


def _requests(records) -> list[tuple[float, str]]:
    """(when each request was sent, its method and path with ids as `{id}`), in the order the answers came.
    The time sent is the answer's log time less the time the request took: how late an answer comes on a
    loaded machine says nothing of the client's pace."""
    out = []
    for record in records:
        match = REQUEST.match(record.getMessage()) if record.name == "tui.api.transport.http" else None
        if match:
            path = re.sub(r"/(?!v1/)[^/]*[0-9][^/]*", "/{id}", match.group(2) + "/").rstrip("/")
            out.append((record.created - int(match.group(3)) / 1000, f"{match.group(1)} {path}"))
    return out


async def _first_complete_screen(pilot):
    """The main screen once the first deployment's backups are listed and its plan's facts are in."""
    screen = pilot.app.screen
    await wait_until(
        pilot,
        lambda: (
            screen.deployments
            and screen.current is not None
            and not screen.query_one("#backups").empty_text.startswith("Loading")
            and screen.query_one("#detail").facts_loaded
        ),
        timeout=60,
        what="first complete screen",
    )
    return screen


IDLE_WINDOW = 3.0  # seconds of idling watched: six periods of the shortened poll below


def _subtitle(screen) -> str:
    return str(screen.query_one("#backups-pane").border_subtitle or "")


async def test_an_idle_dashboard_sends_nothing_says_how_fresh_it_is_and_polls_again_while_a_backup_runs(
    open_demo, demo_sandbox, caplog, monkeypatch
):
    """Issue 16: 0 requests while nothing runs (a poll that ran would run every 0.5 s here); the backups
    pane says when its rows were fetched and that what starts elsewhere shows on F5; a backup started
    elsewhere, once F5 shows it, brings the refresh back until it ends."""
    monkeypatch.setattr(main_screen, "RUNNING_POLL", 0.5)
    caplog.set_level(logging.DEBUG, logger="tui")
    target = await open_demo()
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _first_complete_screen(pilot)
        await pilot.pause(0.2)
        shown = screen.current
        cold = _requests(caplog.records)
        credentials = {m.group(1) for r in caplog.records if (m := CREDENTIAL.match(r.getMessage()))}
        assert re.fullmatch(r"as of \d\d:\d\d UTC · not live: what starts elsewhere shows on F5", _subtitle(screen))

        mark = len(caplog.records)
        await pilot.pause(IDLE_WINDOW)  # nothing runs: nothing may be sent however long this lasts
        idle = _requests(caplog.records[mark:])

        with demo_sandbox.throttled(shown.name, 1.0):  # the backup runs for a few seconds
            backup = await target.request_backup(shown)  # started elsewhere: not through the app
            await pilot.press("f5")
            await wait_until(pilot, lambda: backup.id in screen.following, what="the backup followed")
            assert "refreshed every 0.5 s while something runs" in _subtitle(screen)
            mark = len(caplog.records)
            await wait_until(
                pilot,
                lambda: (
                    sum(
                        p == "GET /api/dashboard/deployments/{id}/list_cloud_backups"
                        for _, p in _requests(caplog.records[mark:])
                    )
                    >= 2
                ),
                what="the list fetched again while the backup runs",
            )
        await wait_until(pilot, lambda: not screen.busy, timeout=60, what="the backup's end")
        await wait_until(pilot, lambda: "not live" in _subtitle(screen), what="the subtitle after the end")
        # The backup that just ended is counted once for the trend (one download of it) and its facts are read
        # again: part of its end, not idling, so the quiet window starts once the trend shows it and no worker
        # runs (the trend's worker starts only once the refreshed list has been handled).
        trend = screen.query_one(TrendPanel)
        await wait_until(
            pilot,
            lambda: (
                any(point.backup_id == backup.id for point in trend.trend.points)
                and not any(w.is_running for w in app.workers)
            ),
            what="the ended backup counted and every worker done",
        )
        await pilot.pause(0.2)
        mark = len(caplog.records)
        await pilot.pause(IDLE_WINDOW)
        after = _requests(caplog.records[mark:])
    print(f"\ncold start on the demo world: {len(cold)} requests to Convex")
    for path, count in sorted(Counter(p for _, p in cold).items()):
        print(f"  {count:3d}  {path}")
    print(f"idle: {len(idle)} requests in {IDLE_WINDOW:.0f} s; after the backup ended: {len(after)}")
    assert credentials == {shown.name}  # no credential (and so no size) for a deployment not on screen
    assert len(cold) <= 20
    assert idle == [] and after == []


async def test_at_start_up_the_backups_come_first_and_the_rest_of_the_deployment_once_they_are_shown(open_demo, caplog):
    """Issue 16 (first complete screen): the selected deployment's backups and their sizes are asked for
    alone; its plan, its imports and its pause state only once the backups are on screen."""
    caplog.set_level(logging.DEBUG, logger="tui")
    target = await open_demo()
    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await _first_complete_screen(pilot)
        await wait_until(pilot, lambda: not any(w.is_running for w in app.workers), what="every worker done")
    paths = [p for _, p in _requests(caplog.records)]  # in the order the answers came
    sizes = paths.index("HEAD /api/export/zip/{id}")  # the last step of the backups' listing
    rest = [i for i, p in enumerate(paths) if p.endswith("/get_entitlements") or p == "POST /api/query"]
    assert rest and sizes < min(rest), "\n".join(paths)


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
