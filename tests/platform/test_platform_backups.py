"""Cloud backups over real HTTP: states and fields, the `_exports` row behind each, one at a time,
waiting for a running snapshot export, the plan's limit, cancel and delete rules."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile

import pytest
from platform_support import DAY_MS, expect_error, settle, throttle


def export_row(world, name: str, export_id: str) -> dict:
    """An `_exports` row read straight from the deployment's database (no system function returns one by id)."""
    path = world.data / "deployments" / name / "deployment.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        (body,) = conn.execute("SELECT body FROM system_documents WHERE id = ?", (export_id,)).fetchone()
    return json.loads(body)


BACKUP_KEYS = {
    "id",
    "sourceDeploymentId",
    "sourceDeploymentName",
    "state",
    "snapshotId",
    "requestedTime",
    "expirationTime",
    "includeStorage",
}


@pytest.fixture(autouse=True)
def no_throttle(world):
    """Tests slow single deployments down; put them back to full speed afterwards."""
    touched: list[str] = []
    yield touched
    for name in touched:
        throttle(world, name, 0)


def test_states_fields_and_the_export_behind_a_backup(world, api, no_throttle):
    deployment = api.deployment("acme-prod-201")
    deployment.add("items", [{"n": i, "label": f"item {i}"} for i in range(40)])
    no_throttle.append("acme-prod-201")
    throttle(world, "acme-prod-201", 0.3)
    now = world.now_ms()

    requested = api.new_backup("acme-prod-201", include_storage=True)
    assert set(requested) == BACKUP_KEYS  # completedTime appears once complete
    assert requested["state"] == "requested" and requested["snapshotId"] is None
    assert requested["sourceDeploymentId"] == api.deployment_id("acme-prod-201")
    assert requested["sourceDeploymentName"] == "acme-prod-201"
    assert requested["requestedTime"] == now and requested["expirationTime"] == now + 7 * DAY_MS
    assert requested["includeStorage"] is True

    running = api.wait_backup(requested["id"], "inProgress")
    export = deployment.latest_cloud_export()
    assert running["snapshotId"] == export["_id"]
    assert export["requestor"] == "cloudBackup" and export["format"] == {"format": "zip", "include_storage": True}
    assert export["expiration_ts"] == requested["expirationTime"] * 1_000_000
    assert export["state"] in ("requested", "in_progress")

    complete = api.wait_backup(requested["id"])
    assert complete["completedTime"] >= complete["requestedTime"] and complete["snapshotId"] == export["_id"]
    assert deployment.latest_cloud_export()["state"] == "completed"
    assert api.backup(requested["id"]).json() == complete
    assert api.backups("acme-prod-201")[0] == complete

    # The dashboard's download: the source deployment's export route with the instance credential.
    reply = deployment.download(complete["snapshotId"])
    assert reply.status_code == 200
    with zipfile.ZipFile(io.BytesIO(reply.content)) as archive:
        assert len(archive.read("items/documents.jsonl").splitlines()) == 40
        assert "_storage/documents.jsonl" in archive.namelist()


def test_list_is_newest_first_and_no_body_means_no_storage(world, api):
    first = api.complete_backup("acme-ops-204", include_storage=True)
    reply = api.post(f"/api/dashboard/deployments/{api.deployment_id('acme-ops-204')}/request_cloud_backup")
    assert reply.status_code == 200, reply.text
    second = api.wait_backup(reply.json()["id"])
    assert second["includeStorage"] is False
    listed = api.backups("acme-ops-204")
    assert [b["id"] for b in listed] == [second["id"], first["id"]]
    bad = api.post(
        f"/api/dashboard/deployments/{api.deployment_id('acme-ops-204')}/request_cloud_backup",
        {"includeStorage": "yes"},
    )
    expect_error(bad, 400, "BadJsonBody")


def test_one_backup_at_a_time_per_deployment(world, api, no_throttle):
    no_throttle.append("acme-dev-202")
    throttle(world, "acme-dev-202", 0.3)
    first = api.new_backup("acme-dev-202")
    message = expect_error(api.request_backup("acme-dev-202"), 400, "BackupInProgress")
    assert "acme-dev-202" in message
    assert api.new_backup("acme-opsdev-205")["state"] == "requested"  # other deployments are not blocked
    throttle(world, "acme-dev-202", 0)
    api.wait_backup(first["id"])
    assert api.new_backup("acme-dev-202")["state"] == "requested"


def test_a_backup_waits_while_a_snapshot_export_runs(world, api, no_throttle):
    """The deployment runs one export at a time: a CLI snapshot export keeps the backup `requested`."""
    no_throttle.append("acme-preview-203")
    deployment = api.deployment("acme-preview-203")
    throttle(world, "acme-preview-203", 0.5)
    assert deployment.http.post("/api/export/request/zip").status_code == 200
    backup = api.new_backup("acme-preview-203")
    settle(0.6)
    waiting = api.backup(backup["id"]).json()
    assert waiting["state"] == "requested" and waiting["snapshotId"] is None
    throttle(world, "acme-preview-203", 0)
    done = api.wait_backup(backup["id"])
    snapshot_export = deployment.call("query", "_system/cli/exports:getLatest")
    assert snapshot_export["state"] == "completed" and snapshot_export["_id"] != done["snapshotId"]
    assert deployment.latest_cloud_export()["_id"] == done["snapshotId"]


def test_the_starter_plan_keeps_two_backups(world, api, no_throttle):
    name = "starter-prod-101"
    first = api.complete_backup(name)
    no_throttle.append(name)
    throttle(world, name, 5)
    canceled = api.new_backup(name)
    assert api.post(f"/api/dashboard/cloud_backups/{canceled['id']}/cancel").json() is None
    throttle(world, name, 0)
    second = api.complete_backup(name)
    message = expect_error(api.request_backup(name), 400, "CloudBackupLimitReached")
    assert message.startswith("The Starter plan keeps at most 2 backups per deployment. Delete one first")
    states = [b["state"] for b in api.backups(name)]
    assert states == ["complete", "canceled", "complete"]  # canceled (and failed) ones do not count
    assert api.post(f"/api/dashboard/cloud_backups/{first['id']}/delete").status_code == 200
    third = api.complete_backup(name)
    assert [b["id"] for b in api.backups(name)] == [third["id"], second["id"], canceled["id"]]


def test_cancel_rules(world, api, no_throttle):
    name = "acme-spare-209"
    deployment = api.deployment(name)
    no_throttle.append(name)
    throttle(world, name, 5)
    # Canceling a backup that is waiting for the export slot.
    assert deployment.http.post("/api/export/request/zip").status_code == 200
    waiting = api.new_backup(name)
    reply = api.post(f"/api/dashboard/cloud_backups/{waiting['id']}/cancel")
    assert reply.status_code == 200 and reply.json() is None
    assert api.backup(waiting["id"]).json()["state"] == "canceled"
    settle(0.3)
    assert api.backup(waiting["id"]).json()["snapshotId"] is None
    snapshot = deployment.call("query", "_system/cli/exports:getLatest")
    assert deployment.http.post(f"/api/export/cancel/{snapshot['_id']}").status_code == 200
    # Canceling an in-progress backup cancels its export.
    running = api.wait_backup(api.new_backup(name)["id"], "inProgress")
    assert api.post(f"/api/dashboard/cloud_backups/{running['id']}/cancel").status_code == 200
    assert api.backup(running["id"]).json()["state"] == "canceled"
    export = deployment.latest_cloud_export()
    assert export["_id"] == running["snapshotId"] and export["state"] == "canceled"
    # Terminal backups cannot be canceled.
    throttle(world, name, 0)
    complete = api.complete_backup(name)
    for backup in (complete, running):
        expect_error(api.post(f"/api/dashboard/cloud_backups/{backup['id']}/cancel"), 400, "CannotCancelBackup")
    expect_error(api.post("/api/dashboard/cloud_backups/424242/cancel"), 404, "CloudBackupNotFound")


def test_delete_rules(world, api, no_throttle):
    name = "acme-spare-208"
    deployment = api.deployment(name)
    deployment.add("things", [{"n": 1}])
    complete = api.complete_backup(name)
    no_throttle.append(name)
    throttle(world, name, 5)
    pending = api.new_backup(name)
    expect_error(api.post(f"/api/dashboard/cloud_backups/{pending['id']}/delete"), 400, "CannotDeleteBackup")
    api.post(f"/api/dashboard/cloud_backups/{pending['id']}/cancel")
    assert deployment.download(complete["snapshotId"]).status_code == 200

    reply = api.post(f"/api/dashboard/cloud_backups/{complete['id']}/delete")
    assert reply.status_code == 200 and reply.content == b""
    assert complete["id"] not in [b["id"] for b in api.backups(name)]
    expect_error(api.backup(complete["id"]), 404, "CloudBackupNotFound")
    expect_error(api.post(f"/api/dashboard/cloud_backups/{complete['id']}/delete"), 404, "CloudBackupNotFound")
    # On the deployment, the export now expires now and its ZIP is gone.
    now_ns = world.now_ms() * 1_000_000
    assert export_row(world, name, complete["snapshotId"])["expiration_ts"] == now_ns
    expect_error(deployment.download(complete["snapshotId"]), 404, "ExportNotFound")
    # Canceled (and failed) backups can be deleted too.
    assert api.post(f"/api/dashboard/cloud_backups/{pending['id']}/delete").status_code == 200
    assert api.backups(name) == []


def test_audit_log_records_backup_actions(api):
    acme = api.team_id("acme")
    events = api.ok("GET", f"/api/dashboard/teams/{acme}/get_audit_log_events", limit=100)["events"]
    actions = {e["action"] for e in events}
    assert {"startManualCloudBackup", "deleteCloudBackup"} <= actions
    start = next(e for e in events if e["action"] == "startManualCloudBackup")
    assert start["metadata"]["current"]["sourceDeploymentName"].startswith("acme-")
    assert start["teamId"] == acme and "member" in start["actor"]
