"""SVG snapshots of the restore wizard's "only chosen tables" step (t on a backup) at 120x40 and 80x24, on
the fixed in-memory target of the other restore snapshots: the backup's tables listed, one marked."""

from __future__ import annotations

import pytest
from fake_target import NOW, PROD, InspectableFake
from host_app import HostApp
from restore_support import wait_until
from textual.widgets import SelectionList

from tui.screens.restore.wizard import RestoreWizard


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    for module in ("tui.screens.restore.source", "tui.screens.restore.safety", "tui.services.restore.safety"):
        monkeypatch.setattr(f"{module}.utc_now", lambda: NOW)


@pytest.mark.parametrize("size", [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")])
def test_tables_step(snap_compare, size):
    async def run(pilot):
        wizard = pilot.app.screen_under_test
        step = wizard.query_one("SourceStep")
        await wait_until(pilot, lambda: step.backups and len(step.deployments) > 1, what="deployments and backups")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("t")
        selection = wizard.query_one(SelectionList)
        await wait_until(pilot, lambda: selection.option_count, what="the backup's tables")
        await pilot.press("space")
        await pilot.pause(0.2)

    app = HostApp(lambda: RestoreWizard(InspectableFake(), PROD))
    assert snap_compare(app, terminal_size=size, run_before=run)
