"""The download manager against the emulator over loopback, through the deployment's URL and admin key
only: a real export with file storage, downloaded, verified, with its sidecar. The sandbox answers
downloads as Convex does (no Range): a part file left by an interrupted run, and a connection
dropped mid-stream, both start over from byte 0, say so, and end in a verified file."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess

import pytest
from fault_server import FaultServer, SleepRecorder
from spoiling_proxy import SpoilingProxy
from zip_samples import sample_zip

from tui.api.deployment.client import DeploymentClient
from tui.services.downloads.downloader import Downloader, download_export
from tui.services.self_hosted.backup import wait_for_export


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


async def test_a_part_file_from_an_interrupted_run_starts_over_as_convex_cannot_resume(client, export, tmp_path):
    whole = (await download_export(client, export.snapshot_ts, folder=tmp_path / "first")).path.read_bytes()
    folder = tmp_path / "second"
    folder.mkdir()
    name = (tmp_path / "first").glob("*.zip").__next__().name
    (folder / f"{name}.part").write_bytes(whole[: len(whole) // 3])
    (folder / f"{name}.part.json").write_text(json.dumps({"source": str(export.snapshot_ts), "total": len(whole)}))
    seen: list = []
    result = await download_export(client, export.snapshot_ts, folder=folder, progress=seen.append)
    assert result.restarts == 1
    said = [p.message for p in seen if p.phase == "restarting"]
    assert len(said) == 1 and "cannot resume" in said[0] and "beginning" in said[0]
    assert result.path.read_bytes() == whole
    assert sorted(p.name for p in folder.iterdir()) == [name, name + ".sha256"]


async def test_a_connection_dropped_mid_stream_restarts_and_ends_verified(deployment, export, tmp_path):
    """Through a proxy that resets the first download halfway: the retry says the server cannot resume,
    the second request's whole-file answer is taken from byte 0, and the file verifies."""
    proxy = SpoilingProxy(deployment.url, spoil="drop_mid_once")
    seen: list = []
    async with (
        FaultServer(proxy) as server,
        DeploymentClient(server.url, deployment.key, sleep=SleepRecorder()) as client,
    ):
        downloader = Downloader(sleep=SleepRecorder())
        result = await download_export(client, export.id, folder=tmp_path, downloader=downloader, progress=seen.append)
    retry = [p.message for p in seen if p.phase == "retrying"]
    assert len(retry) == 1 and "cannot resume" in retry[0] and "starts again from the beginning" in retry[0]
    assert any(p.phase == "restarting" for p in seen)
    assert proxy.downloads == 2 and result.restarts == 1
    # Range was asked for; the sandbox, like Convex, ignored it.
    assert proxy.ranges[0] is None and proxy.ranges[1].startswith("bytes=")
    assert result.size == export.size and result.integrity.streamed and result.integrity.storage_files == 3
    assert subprocess.run(["sha256sum", "--quiet", "-c", result.sidecar.name], cwd=tmp_path).returncode == 0
