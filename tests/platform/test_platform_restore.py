"""Restore from a cloud backup over real HTTP: into the same deployment and another of the team, the
import left at `waiting_for_confirmation` for the client, and every refusal."""

from __future__ import annotations

import pytest
from platform_support import MEMBER_TOKENS, Api, expect_error, settle, start_world, tables_of, throttle


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Real time here: imports are ordered by `_creationTime`, which a frozen manual clock cannot tell apart."""
    sandbox = start_world(tmp_path_factory.mktemp("restore") / "sandbox", clock=None)
    yield sandbox
    sandbox.stop()


@pytest.fixture(autouse=True)
def no_throttle(world):
    touched: list[str] = []
    yield touched
    for name in touched:
        throttle(world, name, 0)


def _rows(deployment, table: str) -> list[dict]:
    page = deployment.call(
        "query",
        "_system/frontend/paginatedTableDocuments",
        {"table": table, "paginationOpts": {"numItems": 1000.0, "cursor": None}},
    )
    return sorted(page["page"], key=lambda d: d["_id"])


def test_restore_into_another_deployment_waits_for_the_client(world, api):
    source, target = api.deployment("acme-prod-201"), api.deployment("acme-dev-202")
    source.add("orders", [{"n": i, "total": i * 1.5, "tags": ["a", str(i)]} for i in range(120)])
    source.add("customers", [{"name": f"c{i}"} for i in range(15)])
    target.add("scratch", [{"junk": True}])
    backup = api.complete_backup("acme-prod-201")
    source.add("orders", [{"n": 999, "total": 0.0, "tags": []}])  # after the backup: not restored

    reply = api.restore("acme-dev-202", backup["id"])
    assert reply.status_code == 200 and reply.content == b""
    waiting = target.wait_restore("waiting_for_confirmation")
    assert waiting["requestor"] == {"type": "cloudRestore", "sourceCloudBackupId": backup["id"]}
    assert waiting["mode"] == "ReplaceAll" and waiting["format"] == {"format": "zip"}
    assert waiting["state"]["require_manual_confirmation"] is True  # `scratch` would be deleted
    settle(1.5)
    assert target.latest_restore()["state"]["state"] == "waiting_for_confirmation"  # nobody confirmed it

    target.confirm(waiting["_id"])
    done = target.wait_restore("completed")
    assert done["state"]["num_rows_written"] == 135
    zip_tables = tables_of(source.download(backup["snapshotId"]).content)
    restored = tables_of(target.snapshot(include_storage=False))
    assert restored == {k: v for k, v in zip_tables.items() if not k.startswith("_storage")}
    assert "scratch/documents.jsonl" not in restored

    events = api.ok("GET", f"/api/dashboard/teams/{api.team_id('acme')}/get_audit_log_events")["events"]
    restore_event = next(e for e in events if e["action"] == "restoreFromCloudBackup")
    assert restore_event["metadata"]["current"]["targetDeploymentName"] == "acme-dev-202"
    assert restore_event["metadata"]["current"]["backup"]["id"] == backup["id"]


def test_restore_into_the_same_deployment(world, api):
    deployment = api.deployment("acme-ops-204")
    deployment.add("notes", [{"text": f"note {i}"} for i in range(10)])
    backup = api.complete_backup("acme-ops-204")
    before = _rows(deployment, "notes")
    deployment.add("notes", [{"text": "written after the backup"}])
    assert len(_rows(deployment, "notes")) == 11
    assert api.restore("acme-ops-204", backup["id"]).status_code == 200
    deployment.confirm(deployment.wait_restore("waiting_for_confirmation")["_id"])
    deployment.wait_restore("completed")
    assert _rows(deployment, "notes") == before


def test_refusals(world, api, no_throttle):
    starter_backup = api.complete_backup("starter-extra-103")
    acme_backup = api.complete_backup("acme-opsdev-205")

    message = expect_error(api.restore("acme-opsdev-205", starter_backup["id"]), 400, "CrossTeamRestore")
    assert "sandbox" in message and "acme" in message
    expect_error(api.restore("starter-extra-103", acme_backup["id"]), 400, "CrossTeamRestore")
    acme_only = Api(world, MEMBER_TOKENS["acme"])
    try:
        expect_error(acme_only.restore("acme-opsdev-205", starter_backup["id"]), 404, "CloudBackupNotFound")
        target = api.deployment_id("starter-extra-103")
        reply = acme_only.post(
            f"/api/dashboard/deployments/{target}/restore_from_cloud_backup", {"id": acme_backup["id"]}
        )
        expect_error(reply, 404, "DeploymentNotFound")
    finally:
        acme_only.close()
    expect_error(api.restore("acme-opsdev-205", 999999999), 404, "CloudBackupNotFound")
    for body in ({}, {"id": "abc"}, {"id": True}, []):
        reply = api.post(
            f"/api/dashboard/deployments/{api.deployment_id('acme-opsdev-205')}/restore_from_cloud_backup", body
        )
        expect_error(reply, 400, "BadJsonBody")
    expect_error(api.restore("acme-eu-206", acme_backup["id"]), 400, "CrossRegionRestore")
    expect_error(api.restore("acme-big-207", acme_backup["id"]), 400, "DedicatedDeploymentRestore")

    # Only complete backups restore; and not while a backup of the target is pending.
    no_throttle.append("acme-opsdev-205")
    throttle(world, "acme-opsdev-205", 5)
    pending = api.new_backup("acme-opsdev-205")
    expect_error(api.restore("acme-ops-204", pending["id"]), 400, "CloudBackupNotComplete")
    message = expect_error(api.restore("acme-opsdev-205", acme_backup["id"]), 400, "BackupInProgress")
    assert "acme-opsdev-205" in message
    api.post(f"/api/dashboard/cloud_backups/{pending['id']}/cancel")
    expect_error(api.restore("acme-ops-204", pending["id"]), 400, "CloudBackupNotComplete")
    throttle(world, "acme-opsdev-205", 0)

    # Not while a restore is running there (waiting for confirmation counts as running).
    assert api.restore("acme-opsdev-205", acme_backup["id"]).status_code == 200
    target = api.deployment("acme-opsdev-205")
    running = target.wait_restore("waiting_for_confirmation")
    expect_error(api.restore("acme-opsdev-205", acme_backup["id"]), 400, "RestoreInProgress")
    assert target.http.post("/api/cancel_import", json={"importId": running["_id"]}).status_code == 200
    assert api.restore("acme-opsdev-205", acme_backup["id"]).status_code == 200
    target.confirm(target.wait_restore("waiting_for_confirmation")["_id"])
    target.wait_restore("completed")
