"""SVG snapshots of the restore wizard's safety step where it differs by situation: a Starter deployment at
its backup limit (a local safety snapshot recommended, no dead end) and a restore Convex would refuse
(refused before anything happens). The fixed in-memory target of fake_target.py stands in for the services."""

from __future__ import annotations

import pytest
from fake_target import NOW, PROD, FakeTarget
from host_app import HostApp
from restore_support import wait_until

from tui.screens.restore.wizard import RestoreWizard
from tui.services.errors import RestoreRefused

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    for module in ("tui.screens.restore.source", "tui.screens.restore.safety", "tui.services.restore.safety"):
        monkeypatch.setattr(f"{module}.utc_now", lambda: NOW)


class RefusingTarget(FakeTarget):
    async def check_restore(self, target, *, backup=None):
        raise RestoreRefused(
            f"Backup {backup.id} of {backup.source_deployment} is in aws-us-east-1 and {target.name} in "
            "aws-eu-west-1; Convex restores a backup only within its region.",
            code="CrossRegionRestore",
        )


def at_stage(stage: str):
    async def run(pilot):
        wizard = pilot.app.screen_under_test
        await wait_until(pilot, lambda: wizard.query_one("SourceStep").backups, what="backups")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("enter")
        await wait_until(pilot, lambda: wizard.stage == stage, what=stage)
        await pilot.pause(0.2)

    return run


@pytest.mark.parametrize("size", SIZES)
def test_safety_step_at_the_backup_limit(snap_compare, size):
    app = HostApp(lambda: RestoreWizard(FakeTarget(at_limit=True), PROD))
    assert snap_compare(app, terminal_size=size, run_before=at_stage("safety-offer"))


@pytest.mark.parametrize("size", SIZES)
def test_safety_step_refused_before_anything(snap_compare, size):
    app = HostApp(lambda: RestoreWizard(RefusingTarget(), PROD))
    assert snap_compare(app, terminal_size=size, run_before=at_stage("safety-refused"))
