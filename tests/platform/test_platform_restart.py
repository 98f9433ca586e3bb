"""The platform across restarts and SIGKILL: a fresh folder's world, adoption of an old folder, state
that survives, a kill in the middle of a backup and of a restore, and schedules that never run twice."""

from __future__ import annotations

import sqlite3

import pytest
from platform_support import DAY_S, EPOCH_S, Api, build_world, settle, start_world, tables_of, throttle
from sandbox_process import SandboxProcess, wait_for

from tui.emulator.deployment import documents
from tui.emulator.sandbox.folder import SandboxFolder


@pytest.fixture
def stopper():
    started: list[SandboxProcess] = []
    yield started.append
    for sandbox in started:
        sandbox.stop()


def test_an_empty_folder_gets_one_team_project_and_prod_deployment(platform_sandbox):
    sandbox = platform_sandbox
    assert len(sandbox.deployments) == 1 and sandbox.platform_url
    now = sandbox.now_ms()
    assert sandbox.advance_clock(90) == now + 90_000
    creds = sandbox.credentials()
    assert creds["CONVEX_SELF_HOSTED_URL"] == sandbox.url
    api = Api(sandbox)
    try:
        teams = api.ok("GET", "/api/dashboard/teams")
        assert [(t["slug"], t["name"]) for t in teams] == [("sandbox", "Sandbox")]
        assert api.ok("GET", f"/api/dashboard/teams/{teams[0]['id']}/get_entitlements")["maxCloudBackups"] == 2
        projects = api.ok("GET", "/api/teams/sandbox/projects")
        assert len(projects) == 1 and projects[0]["prodDeploymentName"] == sandbox.name
        deployment = api.ok("GET", f"/v1/deployments/{sandbox.name}")
        assert deployment["deploymentType"] == "prod" and deployment["isDefault"] is True
    finally:
        api.close()
    assert sandbox.platform_credentials()["CONVEX_PROVISION_HOST"] == sandbox.platform_url


def test_an_old_folder_is_adopted(tmp_path, stopper):
    root = tmp_path / "sandbox"
    folder = SandboxFolder(root)
    names = [folder.create_deployment("old-one-111"), folder.create_deployment("old-two-222")]
    deployment = folder.open(names[1])
    with deployment.db.write() as txn:
        documents.insert(txn, "", "kept", {"value": 42}, now_s=deployment.clock.now())
    deployment.db.close()
    assert not (root / "platform.sqlite3").exists()

    sandbox = SandboxProcess(root).start()
    stopper(sandbox)
    assert sorted(sandbox.deployments) == names
    api = Api(sandbox)
    try:
        project = api.ok("GET", "/api/teams/sandbox/projects")[0]
        listed = api.ok("GET", f"/v1/projects/{project['id']}/list_deployments")
        assert [(d["name"], d["deploymentType"], d["isDefault"]) for d in listed] == [
            ("old-one-111", "prod", True),
            ("old-two-222", "prod", False),
        ]
        old = api.deployment("old-two-222")
        assert old.call("query", "_system/frontend/tableSize", {"tableName": "kept"}) == 1
        old.close()
    finally:
        api.close()


def test_state_survives_a_kill(tmp_path, stopper):
    sandbox = start_world(tmp_path / "sandbox")
    stopper(sandbox)
    api = Api(sandbox)
    backup = api.complete_backup("acme-prod-201")
    config = api.ok(
        "POST",
        f"/api/dashboard/deployments/{api.deployment_id('acme-ops-204')}/configure_periodic_backup",
        {"cronspec": "0 5 * * 2", "includeStorage": True},
    )
    member_data = api.ok("GET", "/api/dashboard/member_data")
    api.close()
    token = sandbox.access_token
    sandbox.kill()
    sandbox.start()
    assert sandbox.access_token == token
    api = Api(sandbox)
    try:
        assert api.ok("GET", f"/api/dashboard/cloud_backups/{backup['id']}") == backup
        assert (
            api.ok("GET", f"/api/dashboard/deployments/{api.deployment_id('acme-ops-204')}/get_periodic_backup_config")
            == config
        )
        again = api.ok("GET", "/api/dashboard/member_data")

        def strip(data):
            return [{k: v for k, v in d.items() if k != "deploymentUrl"} for d in data["deployments"]]

        assert strip(again) == strip(member_data) and again["teams"] == member_data["teams"]
        assert api.deployment("acme-prod-201").download(backup["snapshotId"]).status_code == 200
    finally:
        api.close()


def test_a_kill_in_the_middle_of_a_backup(tmp_path, stopper):
    root = tmp_path / "sandbox"
    build_world(root, names=["acme-prod-201", "acme-dev-202"])
    sandbox = start_world(root, clock=None)
    stopper(sandbox)
    api = Api(sandbox)
    deployment = api.deployment("acme-prod-201")
    deployment.add("rows", [{"i": i, "text": "x" * 50} for i in range(300)])
    throttle(sandbox, "acme-prod-201", 0.5)
    backup = api.wait_backup(api.new_backup("acme-prod-201", include_storage=True)["id"], "inProgress")
    api.close()
    sandbox.kill()
    sandbox.start()  # workers at full speed again: the throttle lives in the process
    api = Api(sandbox)
    try:
        done = api.wait_backup(backup["id"])
        assert done["snapshotId"] == backup["snapshotId"]
        zip_bytes = api.deployment("acme-prod-201").download(done["snapshotId"]).content
        assert len(tables_of(zip_bytes)["rows/documents.jsonl"]) == 300
    finally:
        api.close()


def test_a_backup_finds_its_export_after_a_crash_before_recording_it(tmp_path, stopper):
    """The export was requested but the kill came before the backup recorded its id: on restart the
    backup adopts that export instead of asking for a second one."""
    root = tmp_path / "sandbox"
    build_world(root, names=["acme-prod-201"])
    sandbox = start_world(root, clock=None)
    stopper(sandbox)
    api = Api(sandbox)
    backup = api.complete_backup("acme-prod-201")
    api.close()
    sandbox.stop()
    with sqlite3.connect(root / "platform.sqlite3") as conn:  # back to the moment before it was recorded
        conn.execute("UPDATE cloud_backups SET state = 'requested', snapshot_id = NULL, completed_time = NULL")
    sandbox.start()
    api = Api(sandbox)
    try:
        again = api.wait_backup(backup["id"])
        assert again["snapshotId"] == backup["snapshotId"]
        cloud_exports = api.deployment("acme-prod-201").latest_cloud_export()
        assert cloud_exports["_id"] == backup["snapshotId"]
    finally:
        api.close()


def test_a_kill_in_the_middle_of_a_restore(tmp_path, stopper):
    root = tmp_path / "sandbox"
    build_world(root, names=["acme-prod-201", "acme-dev-202"])
    sandbox = start_world(root, clock=None)
    stopper(sandbox)
    api = Api(sandbox)
    source = api.deployment("acme-prod-201")
    source.add("rows", [{"i": i} for i in range(2500)])
    api.deployment("acme-dev-202").add("old", [{"x": 1}])
    backup = api.complete_backup("acme-prod-201")
    assert api.restore("acme-dev-202", backup["id"]).status_code == 200
    waiting = api.deployment("acme-dev-202").wait_restore("waiting_for_confirmation")
    api.close()

    sandbox.kill()  # killed while the restore waits for its client
    sandbox.start()
    api = Api(sandbox)
    target = api.deployment("acme-dev-202")
    settle(1.0)
    assert target.latest_restore()["state"]["state"] == "waiting_for_confirmation"  # still nobody confirmed
    throttle(sandbox, "acme-dev-202", 0.3)
    target.confirm(waiting["_id"])
    target.wait_restore("in_progress")
    api.close()

    sandbox.kill()  # killed while the import runs
    sandbox.start()
    api = Api(sandbox)
    try:
        target = api.deployment("acme-dev-202")
        done = target.wait_restore("completed")
        assert done["_id"] == waiting["_id"] and done["state"]["num_rows_written"] == 2500
        expected = tables_of(api.deployment("acme-prod-201").download(backup["snapshotId"]).content)
        assert tables_of(target.snapshot(include_storage=False)) == expected
    finally:
        api.close()


def test_a_restore_the_sandbox_died_reading_is_read_again_and_completes(tmp_path, stopper):
    """Convex reads a restore's backup again after a crash: so does the sandbox (a few times at most)."""
    root = tmp_path / "sandbox"
    build_world(root, names=["acme-prod-201", "acme-dev-202"])
    sandbox = start_world(root, clock=None)
    stopper(sandbox)
    api = Api(sandbox)
    api.deployment("acme-prod-201").add("rows", [{"i": i} for i in range(500)])
    api.deployment("acme-dev-202").add("old", [{"x": 1}])
    backup = api.complete_backup("acme-prod-201")
    throttle(sandbox, "acme-dev-202", 5.0)  # the reader pauses with its mark on disk: time to kill it
    assert api.restore("acme-dev-202", backup["id"]).status_code == 200
    restore = api.deployment("acme-dev-202").wait_restore("uploaded")
    mark = root / "deployments" / "acme-dev-202" / "imports" / f"{restore['_id']}.reading"
    wait_for(mark.exists, message="the sandbox to start reading the backup")
    api.close()

    sandbox.kill()
    sandbox.start()  # at full speed: the throttle lives in the process
    api = Api(sandbox)
    try:
        target = api.deployment("acme-dev-202")
        waiting = target.wait_restore("waiting_for_confirmation", "failed")
        assert waiting["_id"] == restore["_id"] and waiting["state"]["state"] == "waiting_for_confirmation"
        target.confirm(waiting["_id"])
        assert target.wait_restore("completed")["state"]["num_rows_written"] == 500
        expected = tables_of(api.deployment("acme-prod-201").download(backup["snapshotId"]).content)
        assert tables_of(target.snapshot(include_storage=False)) == expected
    finally:
        api.close()


def test_schedules_never_run_twice_and_missed_ones_run_once(tmp_path, stopper):
    root = tmp_path / "sandbox"
    build_world(root, names=["acme-prod-201"])
    sandbox = start_world(root)  # manual clock from EPOCH_S
    stopper(sandbox)
    api = Api(sandbox)
    path = f"/api/dashboard/deployments/{api.deployment_id('acme-prod-201')}"
    config = api.ok("POST", f"{path}/configure_periodic_backup", {"cronspec": "0 2 * * *"})
    now = sandbox.advance_clock((config["nextRun"] - sandbox.now_ms()) / 1000 + 30)
    first = api.backups("acme-prod-201")
    assert len(first) == 1
    api.wait_backup(first[0]["id"])
    api.close()

    sandbox.kill()
    sandbox.start()  # the same `--clock manual:EPOCH_S`: resumes from the time it last showed
    assert sandbox.now_ms() == now
    api = Api(sandbox)
    settle(0.5)
    assert len(api.backups("acme-prod-201")) == 1  # the fired slot does not fire again
    assert api.ok("GET", f"{path}/get_periodic_backup_config")["nextRun"] == config["nextRun"] + DAY_S * 1000
    api.close()

    sandbox.stop()
    later = EPOCH_S + 4 * DAY_S + 3 * 3600
    sandbox.extra_args = ("--clock", f"manual:{later}")  # down for four days
    sandbox.start()
    api = Api(sandbox)
    try:
        backups = api.backups("acme-prod-201")
        assert len(backups) == 2  # four missed slots, one backup, on start
        assert backups[0]["requestedTime"] == later * 1000
        api.wait_backup(backups[0]["id"])
    finally:
        api.close()
