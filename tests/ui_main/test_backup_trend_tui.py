"""The trend in the TUI against a real sandbox: a table loses 40% of its documents between two backups, and
the main screen flags the second backup in words ("DROP customers -40%") in the backups table and the
details pane, with the documents and size sparklines filled in."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pilot_support import choose, wait_until

sys.path.insert(0, str(Path(__file__).parent.parent / "services"))

from cloud_world import PRO_PROD, World  # noqa: E402

from tui.app import ConvexBackupsApp  # noqa: E402
from tui.widgets.backup_table import BackupTable  # noqa: E402
from tui.widgets.trend_panel import TrendPanel  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    started = World(tmp_path_factory.mktemp("trend") / "sandbox")
    yield started
    started.stop()


async def _backup(target, ref) -> str:
    record = await target.request_backup(ref)
    async for progress in target.follow_backup(ref, record.id):
        if progress.finished:
            break
    return record.id


async def test_a_table_losing_40_percent_is_flagged_in_the_table_and_the_details(world, tmp_path):
    target = world.target(tmp_path)
    ref = await target.get_deployment(PRO_PROD)
    world.add(PRO_PROD, "customers", [{"n": i} for i in range(50)])
    world.add(PRO_PROD, "orders", [{"n": i} for i in range(30)])
    first = await _backup(target, ref)
    doomed = world.documents(PRO_PROD, "customers")[:20]
    world.call(
        PRO_PROD,
        "mutation",
        "_system/frontend/deleteDocuments",
        {"toDelete": [{"id": d["_id"], "tableName": "customers"} for d in doomed]},
    )
    second = await _backup(target, ref)

    app = ConvexBackupsApp(target=target)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await choose(pilot, app, PRO_PROD)
        table = screen.query_one(BackupTable)
        await wait_until(pilot, lambda: table.flags.get(second), timeout=60, what="the drop flag")
        assert table.flags == {second: "DROP customers -40%"}  # the first backup has none
        row = table.get_row(second)
        assert "DROP customers -40%" in row[0].plain  # in words, next to the backup's state
        assert "DROP" not in table.get_row(first)[0].plain
        panel = screen.query_one(TrendPanel)
        assert panel.display and panel.query_one("#trend-documents").data == [80.0, 60.0]
        assert all(size > 0 for size in panel.query_one("#trend-size").data)
        assert "DROP customers -40% in backup " + second in panel.drops_text()
        table.move_cursor(row=[b.id for b in table.shown].index(second))
        await wait_until(
            pilot,
            lambda: screen.query_one("#detail").backup is not None and screen.query_one("#detail").backup.id == second,
            what="the second backup chosen",
        )
        details = str(screen.query_one("#detail").render())
        assert "DROP customers -40% since the backup before" in details
        assert "60 documents in 2 tables: customers 30, orders 30" in details


async def test_inspecting_a_backup_keeps_its_counts_so_the_trend_never_downloads_it_again(world, tmp_path):
    from pilot_host import HostApp

    from tui.screens.main.inspect_backup import InspectScreen
    from tui.services.snapshots.stats import StatsCache

    target = world.target(tmp_path)
    ref = await target.get_deployment(PRO_PROD)
    backup_id = await _backup(target, ref)
    backup = await target.get_backup(ref, backup_id)
    cache = StatsCache.for_target(target)
    assert backup_id not in cache.load(ref)
    expected = {table: len(world.documents(PRO_PROD, table)) for table in world.tables(PRO_PROD)}

    app = HostApp(lambda: InspectScreen(target, ref, backup))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen_under_test
        await wait_until(pilot, lambda: screen.body is not None, timeout=60, what="the inspected backup")

    stats = cache.load(ref)[backup_id]
    assert dict(stats.tables) == expected and stats.learned_from == "zip"
