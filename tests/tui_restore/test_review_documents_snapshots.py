"""SVG snapshots of the restore review when the rescue step compared the backup with the deployment now: per
table, documents changed (reverted), created (removed), deleted (re-created) and unchanged, at 120x40 and
80x24. The fixed in-memory target of fake_target.py stands in for the services, and the rescue step's result
is fixed here (its real diff is tested against the sandbox in test_restore_review_documents.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_target import NOW, PROD, FakeTarget
from host_app import HostApp
from restore_support import wait_until

from tui.archive.snapshot_diff import TableCounts
from tui.screens.restore.wizard import RestoreWizard
from tui.services.restore import documents as documents_restore

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
# consistent with the fake plan: customers 830 in the backup and 829 now, orders 5,400 / 5,450, products 1,200 / 1,180
DIFF = [
    TableCounts("_storage", 12),
    TableCounts("customers", 813, 12, 4, 5),
    TableCounts("orders", 5_400, 0, 50, 0),
    TableCounts("products", 1_130, 50, 0, 20),
]


@pytest.fixture(autouse=True)
def frozen_clock_and_rescue(monkeypatch):
    for module in ("tui.screens.restore.source", "tui.screens.restore.safety", "tui.services.restore.safety"):
        monkeypatch.setattr(f"{module}.utc_now", lambda: NOW)

    async def rescued(target, deployment, source, backup, *, on_progress=None):
        path = Path(f"/home/ops/backups/rescue/rescue-{deployment.name}-before-{backup.id}.zip")
        return documents_restore.Rescue(path, {"customers": 16, "orders": 50, "products": 50}, DIFF)

    monkeypatch.setattr(documents_restore, "has_data_api", lambda target: True)
    monkeypatch.setattr(documents_restore, "save_rescue_in_temp", rescued)


@pytest.mark.parametrize("size", SIZES)
def test_review_with_the_documents_compared(snap_compare, size):
    async def run(pilot):
        wizard = pilot.app.screen_under_test
        await wait_until(pilot, lambda: wizard.query_one("SourceStep").backups, what="backups")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == "safety-offer", what="the safety offer")
        await pilot.press("s", *"prod is down", "enter")
        await wait_until(pilot, lambda: wizard.stage == "review", what="the review")
        pilot.app.clear_notifications()
        await pilot.pause(0.2)

    assert snap_compare(HostApp(lambda: RestoreWizard(FakeTarget(), PROD)), terminal_size=size, run_before=run)
