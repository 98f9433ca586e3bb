"""The download manager against the emulator over loopback, through the deployment's URL and admin key
only: a real export with file storage, downloaded, verified, with its sidecar; and a part file left by an
interrupted run resumed with a real Range request."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess

import pytest
from zip_samples import sample_zip

from tui.api.deployment_client import DeploymentClient
from tui.services.downloads import download_export
from tui.services.self_hosted_backup import wait_for_export


async def _make_export(url: str, key: str, path):
    async with DeploymentClient(url, key) as client:
        import_id = await client.upload_import(path, mode="replaceAll")
        for _ in range(400):
            state = (await client.get_import(import_id)).state
            if state == "waiting_for_confirmation":
                await client.perform_import(import_id)
            if state in ("completed", "failed"):
                break
            await asyncio.sleep(0.05)
        assert state == "completed"
        await client.request_export(include_storage=True)
        latest = await client.latest_export()
        return await wait_for_export(client, latest.id)


@pytest.fixture(scope="module")
def export(deployment, tmp_path_factory):
    """A completed export (with storage) of a deployment holding the sample data."""
    path = tmp_path_factory.mktemp("zip") / "sample.zip"
    path.write_bytes(sample_zip(files=3, file_size=300_000, documents=200))
    return asyncio.run(_make_export(deployment.url, deployment.key, path))


@pytest.fixture
async def client(deployment):
    async with DeploymentClient(deployment.url, deployment.key) as made:
        yield made


async def test_download_verify_and_sidecar(client, export, tmp_path, deployment):
    result = await download_export(client, export.id, folder=tmp_path)
    assert result.path.name == f"snapshot_{deployment.name}_{export.snapshot_ts}.zip"
    data = result.path.read_bytes()
    assert len(data) == export.size == result.size
    assert hashlib.sha256(data).hexdigest() == result.sha256
    assert subprocess.run(["sha256sum", "--quiet", "-c", result.sidecar.name], cwd=tmp_path).returncode == 0
    assert result.integrity.streamed and result.integrity.storage_files == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [result.path.name, result.sidecar.name]


async def test_a_part_file_from_an_interrupted_run_is_resumed_with_range(client, export, tmp_path):
    whole = (await download_export(client, export.snapshot_ts, folder=tmp_path / "first")).path.read_bytes()
    folder = tmp_path / "second"
    folder.mkdir()
    name = (tmp_path / "first").glob("*.zip").__next__().name
    (folder / f"{name}.part").write_bytes(whole[: len(whole) // 3])
    (folder / f"{name}.part.json").write_text(json.dumps({"source": str(export.snapshot_ts), "total": len(whole)}))
    result = await download_export(client, export.snapshot_ts, folder=folder)
    assert result.resumes == 1 and result.restarts == 0
    assert result.path.read_bytes() == whole
    assert sorted(p.name for p in folder.iterdir()) == [name, name + ".sha256"]
