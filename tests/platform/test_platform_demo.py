"""`sandbox serve --seed demo --traffic`: the demo world, and a backup taken under traffic restored into
another deployment, whose data then equals the source as of the backup's snapshot time."""

from __future__ import annotations

import io
import zipfile

import orjson
import pytest
from platform_support import Api, storage_files, tables_of
from sandbox_process import SandboxProcess, wait_for

from tui.api.deployment.export_download import filename_from_disposition
from tui.archive.ids import decode_id, is_valid_id
from tui.archive.layout import parse_snapshot_filename
from tui.archive.verify import verify_archive
from tui.emulator.deployment.tables import STORAGE_TABLE_NUMBER


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    sandbox = SandboxProcess(tmp_path_factory.mktemp("demo") / "sandbox", extra_args=("--seed", "demo", "--traffic"))
    sandbox.start(timeout=180)
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def api(demo):
    client = Api(demo)
    yield client
    client.close()


def _by_slug(api, team: str) -> dict[str, dict]:
    return {p["slug"]: p for p in api.ok("GET", f"/api/teams/{team}/projects")}


def test_the_demo_world(api):
    teams = {t["slug"]: t for t in api.ok("GET", "/api/dashboard/teams")}
    assert list(teams) == ["indie-studio", "acme-corp"]
    entitlements = {
        slug: api.ok("GET", f"/api/dashboard/teams/{t['id']}/get_entitlements") for slug, t in teams.items()
    }
    assert entitlements["indie-studio"] == {"periodicBackupsEnabled": False, "maxCloudBackups": 2}
    assert entitlements["acme-corp"]["periodicBackupsEnabled"] is True

    data = api.ok("GET", "/api/dashboard/member_data")
    assert len(data["projects"]) >= 4
    assert all(p["prodDeploymentName"] and p["devDeploymentName"] for p in data["projects"])
    assert {d["deploymentType"] for d in data["deployments"]} == {"prod", "dev", "preview"}

    states, expiring, schedules = set(), [], {}
    now = max(b["requestedTime"] for d in data["deployments"] for b in api.backups(d["name"]))
    for deployment in data["deployments"]:
        for backup in api.backups(deployment["name"]):
            states.add(backup["state"])
            if backup["state"] == "complete" and backup["expirationTime"] - now < 24 * 3600 * 1000:
                expiring.append(backup)
        config = api.ok("GET", f"/api/dashboard/deployments/{deployment['id']}/get_periodic_backup_config")
        if config:
            schedules[deployment["name"]] = config
    assert {"complete", "failed", "canceled"} <= states
    assert expiring, "some backups are about to expire"
    pro_names = {
        d["name"]
        for d in data["deployments"]
        if next(p for p in data["projects"] if p["id"] == d["projectId"])["teamId"] == teams["acme-corp"]["id"]
    }
    assert schedules and set(schedules) <= pro_names

    # The demo deployments hold realistic data: thousands of documents and files.
    shop = _by_slug(api, "acme-corp")["storefront"]
    deployment = api.deployment(shop["prodDeploymentName"])
    assert deployment.call("query", "_system/frontend/tableSize:sizeOfAllTables") > 5000
    assert deployment.call("query", "_system/frontend/fileStorageV2:numFiles") > 0
    deployment.close()


def test_a_backup_under_traffic_restores_into_another_deployment(demo, api):
    storefront = _by_slug(api, "acme-corp")["storefront"]
    source_name, target_name = storefront["prodDeploymentName"], storefront["devDeploymentName"]
    source, target = api.deployment(source_name), api.deployment(target_name)

    backup = api.complete_backup(source_name, include_storage=True)
    export = source.latest_cloud_export()
    assert export["_id"] == backup["snapshotId"]
    snapshot_ms = export["start_ts"] / 1_000_000  # int/int rounds once, as the server does
    zip_bytes = source.download(backup["snapshotId"]).content

    # The source kept changing: it is no longer what the backup holds. (Compared with the backup itself, not
    # with sizes read before it: traffic between that reading and the backup would be in the backup too.)
    backed_up = tables_of(zip_bytes)
    backed_up_tables = {k: v for k, v in backed_up.items() if not k.startswith("_storage")}
    wait_for(lambda: tables_of(source.snapshot(include_storage=False)) != backed_up_tables, message="traffic")

    # The backup is the source as of one instant: nothing newer, every reference resolves inside it.
    documents = {name: [orjson.loads(line) for line in lines] for name, lines in backed_up.items()}
    assert all(doc["_creationTime"] <= snapshot_ms for docs in documents.values() for doc in docs)
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        numbers = {
            orjson.loads(line)["name"]: orjson.loads(line)["id"]
            for line in archive.read("_tables/documents.jsonl").splitlines()
        }
    present = {doc["_id"] for docs in documents.values() for doc in docs}
    references = [
        value
        for name, docs in documents.items()
        if not name.startswith("_storage")
        for doc in docs
        for value in _strings(doc)
        if value != doc["_id"] and is_valid_id(value)
    ]
    assert len(references) > 1000
    tables = set(numbers.values()) | {STORAGE_TABLE_NUMBER}
    dangling = [r for r in references if r not in present and decode_id(r)[0] in tables]
    assert dangling == []

    # Restore it into the quiet dev deployment of the same project; the client confirms.
    assert api.restore(target_name, backup["id"]).status_code == 200
    waiting = target.wait_restore("waiting_for_confirmation", timeout=120)
    target.confirm(waiting["_id"])
    done = target.wait_restore("completed", timeout=180)
    assert done["state"]["num_rows_written"] == sum(
        len(v) for k, v in backed_up.items() if not k.startswith("_storage")
    )

    restored = target.snapshot(include_storage=True)
    assert tables_of(restored) == backed_up
    assert storage_files(restored) == storage_files(zip_bytes)
    source.close()
    target.close()


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def test_demo_backups_hold_their_listed_time_and_one_deployment_is_dedicated(api, tmp_path):
    """Each seeded complete backup's snapshot (the ZIP's name, its documents) is as of the time it is listed
    at, not of the moment the sandbox made it; and the world holds one dedicated deployment (`class` d...,
    the dashboard's test), on both APIs' deployment records."""
    data = api.ok("GET", "/api/dashboard/member_data")
    dedicated = [d for d in data["deployments"] if d["class"].startswith("d")]
    assert [(d["class"], d["deploymentType"]) for d in dedicated] == [("d1024", "prod")]
    analytics = _by_slug(api, "acme-corp")["analytics"]
    assert analytics["prodDeploymentName"] == dedicated[0]["name"]
    listed = api.ok("GET", f"/v1/projects/{analytics['id']}/list_deployments")
    assert {d["name"]: d["class"] for d in listed}[dedicated[0]["name"]] == "d1024"
    assert all(not d["class"].startswith("d") for d in data["deployments"] if d not in dedicated)

    checked = 0
    for name in (_by_slug(api, "acme-corp")["storefront"]["prodDeploymentName"], dedicated[0]["name"]):
        deployment = api.deployment(name)
        for backup in api.backups(name):
            if backup["state"] != "complete":
                continue
            reply = deployment.download(backup["snapshotId"])
            assert reply.status_code == 200
            _, snapshot_ns = parse_snapshot_filename(filename_from_disposition(reply.headers["content-disposition"]))
            snapshot_ms = snapshot_ns / 1_000_000
            assert backup["requestedTime"] <= snapshot_ms <= backup["completedTime"], (backup, snapshot_ms)
            documents = [orjson.loads(line) for lines in tables_of(reply.content).values() for line in lines]
            assert documents and all(doc["_creationTime"] <= snapshot_ms for doc in documents)
            path = tmp_path / f"{backup['id']}.zip"
            path.write_bytes(reply.content)
            verify_archive(path, strict_storage=True)  # whole: every kept file's bytes, no file left without one
            checked += 1
        deployment.close()
    assert checked >= 3
