"""The traffic generator: a steady rate of every kind of write, a prompt stop, no crash on errors, and a
backup taken under traffic whose references all resolve inside the ZIP."""

from __future__ import annotations

import sqlite3
import time

import httpx
import pytest
from convex_http import latest_export
from demo_support import completed_export, count_references, dangling_references, live_tables, zip_tables
from sandbox_process import wait_for

from tui.emulator.deployment import documents
from tui.emulator.demo.seed import seed_deployment
from tui.emulator.deployment.deployment import Deployment
from tui.emulator.sandbox.folder import SandboxFolder
from tui.emulator.sandbox.runtime import SandboxRuntime
from tui.emulator.demo.traffic import TrafficGenerator

pytestmark = pytest.mark.slow  # a seeded emulator under steady writes, in this process


@pytest.fixture
def seeded(tmp_path):
    deployment = Deployment(tmp_path / "busy", "busy-otter-1")
    seed_deployment(deployment, profile="demo", seed=1, scale=0.3)
    yield deployment
    deployment.db.close()


def _sizes(deployment: Deployment) -> tuple[int, int]:
    """(user documents, files) in the deployment."""
    tables = live_tables(deployment)[0]
    return sum(len(docs) for name, docs in tables.items() if name != "_storage"), len(tables["_storage"])


def test_steady_rate_and_every_kind_of_write(seeded):
    documents_before, files_before = _sizes(seeded)
    traffic = TrafficGenerator([seeded], writes_per_second=100, seed=1, upload_every=10)
    started = time.monotonic()
    traffic.start()
    time.sleep(2.0)
    traffic.stop()
    elapsed = time.monotonic() - started

    expected = 100 * elapsed
    assert 0.6 * expected <= traffic.writes <= 1.2 * expected, (traffic.counts(), elapsed)
    assert traffic.errors == 0 and traffic.skipped == 0
    assert min(traffic.inserts, traffic.updates, traffic.deletes, traffic.uploads, traffic.file_deletes) > 0
    assert traffic.writes_by_deployment == {"busy-otter-1": traffic.writes}
    # The counters are what happened: updates keep the count, the rest add or remove one each.
    assert _sizes(seeded) == (
        documents_before + traffic.inserts - traffic.deletes,
        files_before + traffic.uploads - traffic.file_deletes,
    )


def test_stop_is_prompt_between_slow_ticks(seeded):
    traffic = TrafficGenerator([seeded], writes_per_second=0.2).start()  # the next write is 5 s away
    wait_for(lambda: traffic.writes == 1, message="the first write")
    started = time.monotonic()
    traffic.stop()
    assert time.monotonic() - started < 0.5 and not traffic.running
    writes = traffic.writes
    time.sleep(0.3)
    assert traffic.writes == writes


def test_writes_keep_every_reference_live(seeded):
    """Thousands of writes, then not one document points at a deleted document or file."""
    traffic = TrafficGenerator([seeded], seed=4, upload_every=4)
    for _ in range(3000):
        traffic.step()
    assert traffic.errors == 0 and traffic.deletes > 200 and traffic.file_deletes > 100
    tables, numbers, _ = live_tables(seeded)
    assert dangling_references(tables, numbers) == []
    # The check is not vacuous: deleting a referenced document (which traffic never does) is caught.
    with seeded.db.write() as txn:
        documents.delete(txn, "", tables["tasks"][0]["project"])
    assert dangling_references(*live_tables(seeded)[:2])


def test_waits_for_tables_and_survives_failing_writes(tmp_path):
    empty = Deployment(tmp_path / "empty", "empty-owl-2")
    broken = Deployment(tmp_path / "broken", "broken-bat-3")
    seed_deployment(broken, profile="chat", scale=0.1)

    def failing_write():
        raise sqlite3.OperationalError("disk I/O error")

    broken.db.write = failing_write
    traffic = TrafficGenerator([empty, broken], writes_per_second=50, seed=2)
    try:
        traffic.start()
        wait_for(lambda: traffic.errors >= 5 and traffic.skipped >= 5, timeout=10, message="errors and skips")
        assert traffic.running and traffic.writes == 0
        seed_deployment(empty, profile="shop", scale=0.1)  # its tables appear while traffic runs
        wait_for(lambda: traffic.writes_by_deployment.get("empty-owl-2", 0) >= 5, timeout=10, message="writes")
        assert traffic.running and "broken-bat-3" not in traffic.writes_by_deployment
    finally:
        traffic.stop()
        empty.db.close()
        broken.db.close()


def test_deployments_can_be_added_and_removed_while_running(seeded, tmp_path):
    other = Deployment(tmp_path / "other", "other-elk-4")
    seed_deployment(other, profile="crm", scale=0.1)
    traffic = TrafficGenerator([seeded], writes_per_second=100, seed=3).start()
    try:
        traffic.add(other)
        wait_for(lambda: traffic.writes_by_deployment.get("other-elk-4", 0) >= 5, message="writes to the added one")
        traffic.remove(seeded)
        writes_to_removed = traffic.writes_by_deployment["busy-otter-1"]
        seeded.db.close()  # safe now: no write to it is in flight, and none will start
        wait_for(lambda: traffic.writes_by_deployment["other-elk-4"] >= 30, message="more writes to the other one")
        assert traffic.writes_by_deployment["busy-otter-1"] == writes_to_removed and traffic.errors == 0
    finally:
        traffic.stop()
        other.db.close()


def test_backup_under_traffic_has_no_dangling_references(tmp_path):
    """Over HTTP, with the generator attached to the served deployment as `sandbox serve --traffic` will."""
    root = tmp_path / "sandbox"
    folder = SandboxFolder(root)
    deployment = folder.open(folder.create_deployment())
    seed_deployment(deployment, profile="demo", seed=5, scale=0.5)
    deployment.db.close()

    # Worker steps pause 0.1 s, so the backup lasts long enough for plenty of writes after its snapshot.
    runtime = SandboxRuntime(root, port=0, step_delay=0.1).open().start_in_background()
    served = runtime.deployments[0]
    traffic = TrafficGenerator(runtime.deployments, writes_per_second=200, seed=5, upload_every=4)
    headers = {"Authorization": f"Convex {served.admin_key}"}
    try:
        with httpx.Client(base_url=runtime.servers[0].url, headers=headers, timeout=30) as client:
            traffic.start()
            wait_for(lambda: traffic.deletes >= 10 and traffic.file_deletes >= 5, message="traffic")
            assert client.post("/api/export/request/zip?includeStorage=true").status_code == 200
            # Once the worker is writing tables, its snapshot is fixed; count the writes made after it.
            wait_for(
                lambda: (latest_export(client).get("progress_message") or "").startswith("Backing up"),
                message="export writing",
            )
            writes_at_snapshot = traffic.writes
            export = wait_for(completed_export(client), message="export")
            assert traffic.writes - writes_at_snapshot >= 20, "the backup must be taken under load"
            content = client.get(f"/api/export/zip/{export['_id']}").content
    finally:
        traffic.stop()
        runtime.shutdown()
    assert traffic.errors == 0

    tables, numbers, _, archive = zip_tables(content)
    assert count_references(tables) > 5_000
    assert dangling_references(tables, numbers) == []
    snapshot_ms = export["start_ts"] / 1_000_000  # int / int, exactly as Transaction.ts_ms computes it
    assert all(doc["_creationTime"] <= snapshot_ms for docs in tables.values() for doc in docs)
    members = [name.split("/")[1] for name in archive.namelist() if name.startswith("_storage/")]
    file_members = {member.split(".")[0] for member in members} - {"documents"}
    assert file_members == {row["_id"] for row in tables["_storage"]}


def test_traffic_holds_while_the_deployment_is_paused(seeded):
    """The traffic stands for the app's own mutations: a paused deployment refuses them."""
    from tui.emulator.deployment import backend_state

    backend_state.pause(seeded)
    traffic = TrafficGenerator([seeded], writes_per_second=100, seed=1)
    assert [traffic.step() for _ in range(20)] == [None] * 20
    assert traffic.writes == 0 and traffic.errors == 0
    backend_state.unpause(seeded)
    assert traffic.step() is not None
