"""The demo seeder: realistic, typed, referentially sound and deterministic data in one deployment."""

from __future__ import annotations

import base64
import hashlib
import math
import struct
import zlib

import orjson
import pytest
from convex_http import query
from demo_support import completed_export, count_references, dangling_references, live_tables, zip_tables
from sandbox_process import SandboxProcess, wait_for

from tui.emulator.deployment import environment
from tui.emulator.deployment import file_storage
from tui.emulator.clock import ManualClock
from tui.emulator.demo.seed import PROFILES, SeedError, parse_profile, seed_deployment
from tui.emulator.deployment.deployment import Deployment
from tui.emulator.sandbox.folder import SandboxFolder

NOW_S = 1_760_000_000.0
DAY_MS = 86_400_000


@pytest.fixture
def make_deployment(tmp_path):
    """Deployments in tmp folders whose clocks all read NOW_S (so equal seeds give equal data)."""
    made: list[Deployment] = []

    def make(name: str = "seeded-otter-1") -> Deployment:
        made.append(Deployment(tmp_path / name, name, clock=ManualClock(NOW_S)))
        return made[-1]

    yield make
    for deployment in made:
        deployment.db.close()


def _walk(value):
    yield value
    if isinstance(value, list):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)


def test_counts_types_times_and_references(make_deployment):
    deployment = make_deployment()
    summary = seed_deployment(deployment, profile="demo", seed=7)
    tables, numbers, lines = live_tables(deployment)

    assert 5_000 <= summary.documents <= 10_000 and len(summary.tables) >= 6
    assert {name: len(tables[name]) for name in summary.tables} == summary.tables
    assert len(tables["_storage"]) == len(summary.files) >= 20
    assert sorted(environment.as_mapping(deployment.db.connection())) == summary.env_vars
    assert summary.seconds < 10

    # Every reference (document ids and storage ids, nested in arrays and objects) resolves.
    assert count_references(tables) > 10_000
    assert dangling_references(tables, numbers) == []
    projects = {doc["_id"] for doc in tables["projects"]}
    assert all(task["project"] in projects for task in tables["tasks"])

    values = [v for name in summary.tables for doc in tables[name] for v in _walk(doc)]
    assert any(isinstance(v, int) and not isinstance(v, bool) and v > 2**53 for v in values)  # Int64
    assert any(isinstance(v, bytes) for v in values)
    assert any(isinstance(v, float) and math.isnan(v) for v in values)
    assert any(isinstance(v, float) and math.isinf(v) for v in values)
    assert any(isinstance(v, float) and v == 0.0 and math.copysign(1, v) < 0 for v in values)
    assert any(isinstance(v, str) and any("\u4e00" <= c <= "\u9fff" for c in v) for v in values)  # CJK
    assert any(isinstance(v, str) and "🎉" in v for v in values)
    assert any(isinstance(v, str) and "é" in v for v in values)
    # An integral Float64 stays a float: in the export line it keeps its decimal point.
    task_line = orjson.loads(lines["tasks"][0])
    assert isinstance(task_line["estimateHours"], float) and task_line["estimateHours"].is_integer()
    assert f'"estimateHours":{task_line["estimateHours"]}'.encode() in lines["tasks"][0]
    assert isinstance(task_line["number"], int)
    # Optional fields: present in some documents only.
    assert 0 < sum("assignee" in task for task in tables["tasks"]) < len(tables["tasks"])

    # `_creationTime`s spread over the past weeks, never in the future.
    times = [doc["_creationTime"] for name in summary.tables for doc in tables[name]]
    now_ms = NOW_S * 1000
    assert max(times) <= now_ms and min(times) >= now_ms - 43 * DAY_MS and max(times) - min(times) > 21 * DAY_MS
    assert any(not t.is_integer() for t in times)


def test_files_are_valid_and_typed(make_deployment):
    deployment = make_deployment()
    summary = seed_deployment(deployment, profile="shop", seed=2, scale=0.3)
    conn = deployment.db.connection()
    kinds = set()
    for seeded in summary.files:
        meta = file_storage.file_metadata(conn, "", seeded.storage_id)
        data = b"".join(file_storage.read_blob(conn, meta["internalId"]))
        assert len(data) == meta["size"] == seeded.size
        assert base64.b64encode(hashlib.sha256(data).digest()).decode() == meta["sha256"]
        assert meta["contentType"] == seeded.content_type
        kinds.add(seeded.content_type.split(";")[0])
        if seeded.content_type == "image/png":
            _check_png(data)
        elif seeded.content_type == "application/json":
            assert orjson.loads(data)["rows"]
        else:
            assert data.decode("utf-8").endswith("\n")
    assert {"image/png", "application/json"} <= kinds and kinds & {"text/plain", "text/csv"}


def _check_png(data: bytes) -> None:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks[kind] = body
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2) and list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)


def test_same_seed_gives_the_same_data(make_deployment):
    seeded = {}
    for name, seed in (("first", 3), ("second", 3), ("third", 4)):
        deployment = make_deployment(name)
        seed_deployment(deployment, profile="crm-dev", seed=seed, scale=0.5)
        seeded[name] = live_tables(deployment)[2]
    assert seeded["first"] == seeded["second"]  # every export line, `_storage` included
    assert seeded["first"]["accounts"] != seeded["third"]["accounts"]


def test_profiles_look_like_different_apps(make_deployment):
    profiles = ("demo-prod", "demo-dev", "shop", "chat", "crm")
    deployments = {p: make_deployment(p) for p in profiles}
    summaries = {p: seed_deployment(deployments[p], profile=p, scale=0.2) for p in profiles}
    table_sets = {frozenset(s.tables) for p, s in summaries.items() if p != "demo-dev"}
    assert len(table_sets) == 4
    prod, dev = summaries["demo-prod"], summaries["demo-dev"]
    assert (prod.app, prod.tier, dev.app, dev.tier) == ("tasks", "prod", "tasks", "dev")
    assert dev.documents < prod.documents
    env = {p: environment.as_mapping(deployments[p].db.connection()) for p in profiles}
    assert env["demo-prod"]["SITE_URL"].startswith("https://")
    assert env["demo-dev"]["SITE_URL"].startswith("http://localhost")
    assert env["shop"]["APP_NAME"] != env["chat"]["APP_NAME"]
    for values in env.values():  # demo values must not look like secrets
        assert not any(word in name for name in values for word in ("SECRET", "KEY", "TOKEN", "PASSWORD"))
    dev_users = live_tables(deployments["demo-dev"])[0]["users"]
    assert any(user["name"].startswith("Test User") for user in dev_users)
    assert all(user["email"].endswith("@test.example") for user in dev_users)


def test_unknown_profile_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="chat, crm, shop, tasks"):
        parse_profile("blog")
    assert {parse_profile(p)[0].name for p in PROFILES} == {"tasks", "shop", "chat", "crm"}


def test_refuses_a_deployment_with_data_unless_replace(make_deployment):
    deployment = make_deployment()
    seed_deployment(deployment, profile="chat", scale=0.2)
    before = live_tables(deployment)[2]
    with pytest.raises(SeedError, match=r"already has data: _storage \(\d+\), channels \(\d+\).*replace=True"):
        seed_deployment(deployment, profile="crm")
    assert live_tables(deployment)[2] == before  # refused before touching anything

    summary = seed_deployment(deployment, profile="crm", seed=9, scale=0.2, replace=True)
    tables, _, lines = live_tables(deployment)
    assert set(tables) == {*summary.tables, "_storage"}  # no chat table is left, not even empty
    blobs = deployment.db.connection().execute("SELECT COUNT(*) FROM blobs").fetchone()[0]
    assert blobs == len(summary.files)  # the chat files' bytes are gone too
    fresh = make_deployment("fresh")
    seed_deployment(fresh, profile="crm", seed=9, scale=0.2)
    assert live_tables(fresh)[2] == lines  # table numbers start over, so the ids are the same


def test_seeded_sandbox_over_http(tmp_path):
    """Seed the data folder before the server starts, then read everything back over HTTP and in an export."""
    root = tmp_path / "sandbox"
    folder = SandboxFolder(root)
    deployment = folder.open(folder.create_deployment())
    summary = seed_deployment(deployment, profile="demo", seed=1, scale=0.3)
    deployment.db.close()

    sandbox = SandboxProcess(root).start()
    try:
        with sandbox.client() as client:
            for table, count in summary.tables.items():
                assert query(client, "_system/frontend/tableSize", {"tableName": table}) == count
            assert query(client, "_system/frontend/fileStorageV2:numFiles") == len(summary.files)
            env = client.get("/api/v1/list_environment_variables").json()["environmentVariables"]
            assert sorted(env) == summary.env_vars and env["SITE_URL"].startswith("https://")
            image = next(f for f in summary.files if f.content_type == "image/png")
            download = client.get(f"/api/storage/{image.storage_id}")
            assert download.headers["content-type"] == "image/png" and download.content[:4] == b"\x89PNG"

            assert client.post("/api/export/request/zip?includeStorage=true").status_code == 200
            export = wait_for(completed_export(client), message="export")
            content = client.get(f"/api/export/zip/{export['_id']}").content
    finally:
        sandbox.stop()

    tables, numbers, lines, archive = zip_tables(content)
    assert {name: len(tables[name]) for name in summary.tables} == summary.tables
    assert dangling_references(tables, numbers) == []
    stored = [n for n in archive.namelist() if n.startswith("_storage/") and "documents" not in n]
    assert len(stored) == len(summary.files)
    task = orjson.loads(lines["tasks"][0])
    assert isinstance(task["number"], int) and isinstance(task["estimateHours"], float)
    assert b'"estimateHours":' + str(task["estimateHours"]).encode() in lines["tasks"][0]  # e.g. 3.0, not 3
    assert any(b'"$bytes"' in line for line in lines["users"])
    events = [orjson.loads(line) for line in lines["events"]]
    assert all(isinstance(e["seq"], int) and e["seq"] >= 2**53 for e in events)  # exact big Int64s
