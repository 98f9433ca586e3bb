"""The self-hosted target against a sandbox deployment reached only through its URL and admin key: file
imports (plan, confirm, follow; a bad ZIP refused before upload), backups into the local store and
restores from it, copies out of the store, and read-only refusals."""

from __future__ import annotations

import hashlib
import json
import stat

import pytest
from zip_samples import damage_member, sample_zip

from tui.api.errors import Conflict
from tui.services.config.settings import Homes
from tui.services.downloads.errors import CorruptArchive, TargetExists
from tui.services.errors import ReadOnlyRefused
from tui.services.self_hosted.local_store import LocalStore
from tui.services.self_hosted.target import SelfHostedTarget, self_hosted_target
from tui.services.deployment.env_store import EnvStore
from tui.api.deployment.client import DeploymentClient

TABLES = ["channels", "messages", "users"]


@pytest.fixture
def homes(tmp_path):
    return Homes(tmp_path / "config", tmp_path / "data")


@pytest.fixture
async def target(deployment, homes, clock):
    client = DeploymentClient(deployment.url, deployment.key)
    made = SelfHostedTarget(client, LocalStore(homes.store_dir, clock=clock), EnvStore(homes.env_dir))
    yield made
    await made.aclose()


async def _import(target, path, **kwargs):
    ref = await target.deployment()
    plan = await target.prepare_file_import(path, ref, **kwargs)
    await target.confirm_restore(plan)
    seen = [p async for p in target.follow_restore(plan)]
    return plan, seen, await target.restore_result(plan)


async def test_a_file_import_shows_its_plan_then_runs_to_the_end(target, tmp_path):
    path = tmp_path / "sample.zip"
    path.write_bytes(sample_zip(files=2, file_size=50_000, documents=120))
    steps = []
    plan, seen, result = await _import(target, path, on_progress=steps.append)
    assert {c.table for c in plan.changes} >= {"users", "channels", "messages", "_storage"}
    assert {c.table: c.rows_to_write for c in plan.changes}["messages"] == 120
    assert plan.import_id and plan.backup_id is None
    assert any(s.state == "verifying" for s in steps) and any(s.state == "uploading" for s in steps)
    assert seen[-1].finished and seen[-1].state == "completed"
    assert result.ok and result.rows_written == 20 + 5 + 120
    assert await target.client.table_sizes(TABLES) == {"channels": 5, "messages": 120, "users": 20}


async def test_a_damaged_zip_is_refused_before_anything_is_uploaded(target, tmp_path):
    path = tmp_path / "bad.zip"
    path.write_bytes(damage_member(sample_zip(files=1, file_size=50_000), "messages/"))
    before = [d.id for d in await target.client.list_imports()]
    with pytest.raises(CorruptArchive):
        await target.prepare_file_import(path, await target.deployment())
    assert [d.id for d in await target.client.list_imports()] == before


async def test_an_abandoned_import_changes_nothing(target, tmp_path):
    path = tmp_path / "sample.zip"
    path.write_bytes(sample_zip(files=0, documents=10))
    sizes = await target.client.table_sizes(TABLES)
    plan = await target.prepare_file_import(path, await target.deployment())
    await target.abandon_restore(plan)
    assert (await target.client.get_import(plan.import_id)).state == "failed"
    assert await target.client.table_sizes(TABLES) == sizes


async def test_backup_into_the_store_then_restore_it(target, tmp_path):
    first = tmp_path / "first.zip"
    first.write_bytes(sample_zip(files=2, file_size=60_000, documents=80))
    await _import(target, first)
    await target.client.update_env({"API_KEY": "sk-self-hosted-1"})
    ref = await target.deployment()
    record = await target.request_backup(ref, include_storage=True)
    assert record.state in ("requested", "inProgress")
    with pytest.raises(Conflict):
        await target.request_backup(ref)  # one at a time
    progress = [p async for p in target.follow_backup(ref, record.id)]
    assert progress[-1].finished and progress[-1].state == "complete"
    assert any("Downloading" in p.message for p in progress)
    stored = target.stored_backup(ref, record.id)
    assert sorted(p.name for p in stored.folder.iterdir()) == [
        "env.json",
        "manifest.json",
        "snapshot.zip",
        "snapshot.zip.sha256",
    ]
    assert stat.S_IMODE(stored.env_path.stat().st_mode) == 0o600
    assert json.loads(stored.env_path.read_text())["values"] == {"API_KEY": "sk-self-hosted-1"}
    assert hashlib.sha256(stored.zip_path.read_bytes()).hexdigest() == stored.sha256
    listed = await target.list_backups(ref)
    assert [b.id for b in listed] == [record.id] and listed[0].state == "complete" and listed[0].env_snapshot
    assert listed[0].include_storage and listed[0].size == stored.size
    # other data replaces it, then the backup comes back
    second = tmp_path / "second.zip"
    second.write_bytes(sample_zip(files=0, documents=7, seed=9))
    await _import(target, second)
    plan = await target.prepare_restore(record.id, ref)
    assert plan.backup_id == record.id and plan.require_manual_confirmation
    assert {c.table: c.rows_to_delete for c in plan.changes}["messages"] == 7
    await target.confirm_restore(plan)
    async for _ in target.follow_restore(plan):
        pass
    assert (await target.restore_result(plan)).ok
    assert await target.client.table_sizes(TABLES) == {"channels": 5, "messages": 80, "users": 20}


async def test_a_damaged_stored_backup_is_refused_before_restoring(target, tmp_path):
    ref = await target.deployment()
    stored = await target.run_backup(ref)
    data = bytearray(stored.zip_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.zip_path.write_bytes(bytes(data))
    before = [d.id for d in await target.client.list_imports()]
    with pytest.raises(CorruptArchive) as caught:
        await target.prepare_restore(stored.id, ref)
    assert "sha256" in str(caught.value)
    assert [d.id for d in await target.client.list_imports()] == before


async def test_a_stored_backup_is_copied_out_with_a_sidecar_and_never_over_a_file(target, tmp_path):
    ref = await target.deployment()
    stored = await target.run_backup(ref)
    result = await target.download_backup(ref, stored.id, folder=tmp_path / "out")
    assert result.path.name == f"snapshot_{ref.name}_{stored.snapshot_ts}.zip"
    assert result.path.read_bytes() == stored.zip_path.read_bytes()
    assert result.sidecar.read_text() == f"{stored.sha256}  {result.path.name}\n"
    assert result.integrity.entries > 0
    with pytest.raises(TargetExists):
        await target.download_backup(ref, stored.id, folder=tmp_path / "out")


async def test_retention_applies_after_each_backup(target, clock):
    ref = await target.deployment()
    first = await target.run_backup(ref)
    clock.advance(days=8)
    second = await target.run_backup(ref)
    assert [b.id for b in await target.list_backups(ref)] == [second.id]
    assert not first.folder.exists()


async def test_read_only_deployments_are_refused_before_any_request(deployment, homes, tmp_path):
    target = self_hosted_target(deployment.url, deployment.key, homes, read_only=lambda name: True)
    try:
        ref = await target.deployment()
        assert ref.read_only
        with pytest.raises(ReadOnlyRefused):
            await target.request_backup(ref)
        with pytest.raises(ReadOnlyRefused):
            await target.prepare_file_import(tmp_path / "whatever.zip", ref)
        assert (await target.list_backups(ref)) == []
    finally:
        await target.aclose()
