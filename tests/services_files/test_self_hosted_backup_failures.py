"""A self-hosted backup that fails says why, leaves no folder behind, promises nothing it did not do, and
never ends in asyncio's "Task exception was never retrieved" traceback: a damaged download, a connection
that keeps dropping, a full disk, a concurrent export. The deployment is a sandbox reached through a
spoiling proxy (`spoiling_proxy`)."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging

import pytest
from fault_server import FaultServer, SleepRecorder
from spoiling_proxy import SpoilingProxy
from zip_samples import sample_zip

from tui.api.deployment.client import DeploymentClient
from tui.api.errors import Conflict
from tui.services.config.settings import Homes
from tui.services.downloads.values import RetryPlan
from tui.services.downloads.downloader import Downloader
from tui.services.deployment.env_store import EnvStore
from tui.services.self_hosted.local_store import LocalStore
from tui.services.self_hosted.target import SelfHostedTarget


@pytest.fixture(scope="module")
def filled(deployment, tmp_path_factory):
    """Some data on the deployment, so its snapshot is more than an empty ZIP."""
    path = tmp_path_factory.mktemp("zip") / "sample.zip"
    path.write_bytes(sample_zip(files=1, file_size=40_000, documents=60))

    async def fill() -> None:
        async with DeploymentClient(deployment.url, deployment.key) as client:
            target = SelfHostedTarget(client, LocalStore(path.parent / "s"), EnvStore(path.parent / "e"))
            plan = await target.prepare_file_import(path, await target.deployment())
            await target.confirm_restore(plan)
            async for _ in target.follow_restore(plan):
                pass

    asyncio.run(fill())
    return deployment


async def _failed_backup(deployment, tmp_path, spoil: str | None, caplog, **downloader) -> tuple[str, LocalStore]:
    """Run one backup through the proxy and follow it to its end; returns its last progress message once the
    target is closed and collected (when an unretrieved task exception would be logged)."""
    homes = Homes(tmp_path / "config", tmp_path / "data")
    store = LocalStore(homes.store_dir)
    async with FaultServer(SpoilingProxy(deployment.url, spoil)) as server:
        client = DeploymentClient(server.url, deployment.key, sleep=SleepRecorder())  # the session retries too
        target = SelfHostedTarget(
            client,
            store,
            EnvStore(homes.env_dir),
            use_sync=False,
            downloader=Downloader(sleep=SleepRecorder(), **downloader),
        )
        ref = await target.deployment()
        record = await target.request_backup(ref)
        seen = [p async for p in target.follow_backup(ref, record.id)]
        final = await target.get_backup(ref, record.id)
        await target.aclose()
    del target
    gc.collect()
    assert seen[-1].finished and seen[-1].state == "failed" and final.state == "failed"
    assert final.notes and final.notes[0] in seen[-1].message  # the record says why, too
    unretrieved = [r for r in caplog.records if "never retrieved" in r.getMessage()]
    assert unretrieved == []
    assert store.list(LocalStore.key_for(ref.name, ref.url)) == []
    assert store.incomplete(LocalStore.key_for(ref.name, ref.url)) == []  # no folder left behind
    return seen[-1].message, store


async def test_a_damaged_download_fails_the_backup_with_its_reason(filled, tmp_path, caplog):
    caplog.set_level(logging.ERROR)
    message, _ = await _failed_backup(filled, tmp_path, "corrupt", caplog)
    assert "damaged" in message and "not kept" in message


async def test_a_download_that_keeps_dropping_promises_no_part_file(filled, tmp_path, caplog):
    caplog.set_level(logging.ERROR)
    message, _ = await _failed_backup(filled, tmp_path, "drop", caplog, retry=RetryPlan(attempts=2))
    assert "kept failing" in message and "take the backup again" in message
    assert ".part" not in message and "resume" not in message  # the unfinished backup's folder is gone


async def test_a_full_disk_fails_the_backup_with_advice_for_a_backup(filled, tmp_path, caplog):
    caplog.set_level(logging.ERROR)

    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")

    message, store = await _failed_backup(filled, tmp_path, None, caplog, file_writer=full)
    assert "full" in message and str(store.root) in message and "take the backup again" in message
    assert "--to" not in message  # `backup` has no --to


async def test_a_concurrent_export_refuses_the_backup_before_it_is_requested(filled, tmp_path):
    homes = Homes(tmp_path / "config", tmp_path / "data")
    with filled.throttled(filled.name, 60):  # the export waits at its first step until the throttle changes
        async with DeploymentClient(filled.url, filled.key) as client:
            await client.request_export()  # someone else's export, still running
            target = SelfHostedTarget(client, LocalStore(homes.store_dir), EnvStore(homes.env_dir), use_sync=False)
            ref = await target.deployment()
            with pytest.raises(Conflict) as caught:
                await target.request_backup(ref)
            assert "already taking a backup" in str(caught.value)
            assert await target.list_backups(ref) == []
            export = await client.latest_export()
            await client.cancel_export(export.id)
