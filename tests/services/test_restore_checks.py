"""The rules a restore is checked against before any safety backup (tui/services/restore/checks.py): the
ones Convex would refuse, each naming what gets past it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from tui.api.deployment.models import SnapshotImport
from tui.services.protocol import BackupRecord, DeploymentRef
from tui.services.restore.checks import cross_refusal, running_backup_refusal, running_import_refusal

AT = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
SHOP = DeploymentRef("acme", "shop", "shop-prod-1", "prod", "aws-us-east-1", None, "1", True)
DEV = replace(SHOP, name="shop-dev-2", type="dev", id="2", is_prod=False)


def backup(source: DeploymentRef, state: str = "complete") -> BackupRecord:
    return BackupRecord("8000001", source.name, state, AT, AT, None, True, 10, source.name, "manual", "snap")


def test_a_backup_of_the_same_team_and_region_passes():
    assert cross_refusal(backup(SHOP), SHOP, DEV) is None


def test_another_team_another_region_and_a_dedicated_target_are_refused():
    rival = replace(SHOP, team="rival", name="rival-prod-9")
    refused = cross_refusal(backup(rival), rival, DEV)
    assert refused.code == "CrossTeamRestore" and "rival" in str(refused) and "convex-backups import" in str(refused)
    eu = replace(DEV, region="aws-eu-west-1")
    assert cross_refusal(backup(SHOP), SHOP, eu).code == "CrossRegionRestore"
    dedicated = replace(DEV, deployment_class="d1024")
    assert cross_refusal(backup(SHOP), SHOP, dedicated).code == "DedicatedDeploymentRestore"
    assert cross_refusal(backup(SHOP), None, dedicated).code == "DedicatedDeploymentRestore"  # source unlisted


def test_work_running_on_the_target_is_refused():
    assert running_backup_refusal(DEV, [backup(DEV)]) is None
    assert running_backup_refusal(DEV, [backup(DEV, "inProgress")]).code == "BackupInProgress"
    waiting = SnapshotImport("imp1", "waiting_for_confirmation", requestor_type="cloudRestore")
    done = SnapshotImport("imp0", "completed", requestor_type="cloudRestore")
    assert running_import_refusal(DEV, [waiting, done], cloud_restore=True).code == "RestoreInProgress"
    assert running_import_refusal(DEV, [done, waiting], cloud_restore=True) is None  # Convex looks at the newest
    assert running_import_refusal(DEV, [waiting], cloud_restore=False) is None  # a ZIP import: not Convex's rule
    writing = SnapshotImport("imp2", "in_progress")
    assert "writing into it" in str(running_import_refusal(DEV, [writing], cloud_restore=False))
