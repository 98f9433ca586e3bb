"""Cloud (and sandbox) backups through the same file services: a complete backup downloaded from its
source deployment and verified, and a file import that checks the ZIP before uploading anything."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from zip_samples import damage_member, sample_zip

sys.path.insert(0, str(Path(__file__).parent.parent / "services"))
from cloud_world import STARTER_DEV, World  # noqa: E402

from tui.services.downloads.errors import CorruptArchive  # noqa: E402
from tui.services.snapshots.verify import verify_file  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    started = World(tmp_path_factory.mktemp("cloud") / "sandbox")
    yield started
    started.stop()


@pytest.fixture
async def target(world, tmp_path):
    made = world.target(tmp_path / "home")
    yield made
    await made.aclose()


async def test_a_cloud_backup_downloads_verified_under_convex_name(world, target, tmp_path):
    world.add(STARTER_DEV, "notes", [{"n": i, "text": f"note {i}"} for i in range(40)])
    deployment = await target.get_deployment(STARTER_DEV)
    record = await target.request_backup(deployment, include_storage=True)
    async for _ in target.follow_backup(deployment, record.id):
        pass
    result = await target.download_backup(deployment, record.id, folder=tmp_path / "dl")
    assert result.path.name.startswith(f"snapshot_{STARTER_DEV}_") and result.path.suffix == ".zip"
    assert result.integrity.streamed
    outcome = verify_file(result.path)
    assert outcome.ok and outcome.sidecar == "match"
    assert {t.table: t.documents for t in outcome.tables}["notes"] == 40


async def test_a_damaged_zip_is_refused_before_uploading_to_a_cloud_deployment(world, target, tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(damage_member(sample_zip(files=1, file_size=40_000), "messages/"))
    deployment = await target.get_deployment(STARTER_DEV)
    before = len(world.imports(STARTER_DEV))
    with pytest.raises(CorruptArchive):
        await target.prepare_file_import(bad, deployment)
    assert len(world.imports(STARTER_DEV)) == before
