"""No import the app stages is left behind (tui/services/restore/staged_guard.py): a cloud restore the operator backs
out of while it is still being staged is cancelled, and so is a plan that is abandoned, one whose staging
timed out, one still staged when the app closes, and one whose import big brain made only after the operator
left; the ledger of staged imports is empty afterwards, and the deployment accepts the next restore."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from cloud_world import PRO_DEV, PRO_PROD

sys.path.insert(0, str(Path(__file__).parent.parent / "emulator"))  # the import tests' helpers
sys.path.insert(0, str(Path(__file__).parent.parent / "api"))  # the misbehaving loopback server

from fault_server import FaultServer, Reply  # noqa: E402
from import_support import documents, make_zip, upload, wait_state  # noqa: E402

from tui.api.errors import RequestTimeout  # noqa: E402
from tui.services.restore import flow as restore_flow  # noqa: E402
from tui.services.config.settings import Homes  # noqa: E402
from tui.services.config.open_target import open_target  # noqa: E402
from tui.services.restore.staged_ledger import StagedLedger  # noqa: E402


@pytest.fixture(scope="module")
def backup_id(world, tmp_path_factory):
    """A complete backup of PRO_PROD."""
    world.add(PRO_PROD, "notes", [{"n": i} for i in range(40)])

    async def take():
        target = world.target(tmp_path_factory.mktemp("home"))
        try:
            prod = await target.get_deployment(PRO_PROD)
            record = await target.request_backup(prod)
            assert [p async for p in target.follow_backup(prod, record.id)][-1].state == "complete"
            return record.id
        finally:
            await target.aclose()

    return asyncio.run(take())


async def _until(predicate, what: str, timeout: float = 60):
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := predicate()):
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
    return value


async def test_backing_out_while_a_restore_is_staged_cancels_it(world, home, backup_id):
    homes = Homes(home / "config", home / "data")
    target = await open_target(world.spec(), homes)
    try:
        dev = await target.get_deployment(PRO_DEV)
        with world.sandbox.throttled(PRO_DEV, 2.0):  # `uploaded` stays visible for a step
            # A change of the delay also cuts the next pause short: let a throwaway import take that one.
            client = world.http(PRO_DEV)
            throwaway = upload(client, make_zip({"notes": documents(10001, 1)}), mode="replaceAll")
            wait_state(client, throwaway, "waiting_for_confirmation", timeout=60)
            assert client.post("/api/cancel_import", json={"importId": throwaway}).status_code == 200
            prod = await target.get_deployment(PRO_PROD)
            staging = asyncio.create_task(target.prepare_restore(backup_id, dev, source=prod))
            staged = await _until(
                lambda: next((i for i in world.imports(PRO_DEV) if i["state"]["state"] == "uploaded"), None),
                "the restore's import",
            )
            assert StagedLedger(homes.data_dir).entries()  # recorded before anything was requested
            staging.cancel()  # the operator pressed esc
            with pytest.raises(asyncio.CancelledError):
                await staging
        state = next(i for i in world.imports(PRO_DEV) if i["_id"] == staged["_id"])["state"]
        assert state == {"state": "failed", "error_message": "Import canceled"}
        assert StagedLedger(homes.data_dir).entries() == []

        plan = await target.prepare_restore(backup_id, dev, source=await target.get_deployment(PRO_PROD))
        assert StagedLedger(homes.data_dir).entries()[0].import_id == plan.import_id
        await target.abandon_restore(plan)
        assert next(i for i in world.imports(PRO_DEV) if i["_id"] == plan.import_id)["state"]["state"] == "failed"
        assert StagedLedger(homes.data_dir).entries() == []
    finally:
        await target.aclose()


async def test_a_restore_whose_staging_times_out_is_cancelled(world, home, backup_id, monkeypatch):
    """Convex's dashboard would confirm a cloud restore left waiting for confirmation: one that the app gave up
    waiting for (the staging timeout) is cancelled, not left there."""
    monkeypatch.setattr(restore_flow, "STAGING_TIMEOUT", 1.5)  # the deployment takes longer to read it
    homes = Homes(home / "config", home / "data")
    target = await open_target(world.spec(), homes)
    try:
        dev, prod = await target.get_deployment(PRO_DEV), await target.get_deployment(PRO_PROD)
        with world.sandbox.throttled(PRO_DEV, 4.0):  # a step of reading outlasts the timeout
            client = world.http(PRO_DEV)  # a throwaway import takes the pause the change cuts short (above)
            throwaway = upload(client, make_zip({"notes": documents(10001, 1)}), mode="replaceAll")
            wait_state(client, throwaway, "waiting_for_confirmation", timeout=60)
            assert client.post("/api/cancel_import", json={"importId": throwaway}).status_code == 200
            known = {i["_id"] for i in world.imports(PRO_DEV)}
            with pytest.raises(RequestTimeout, match="within 2 seconds"):
                await target.prepare_restore(backup_id, dev, source=prod)
            (staged,) = [i for i in world.imports(PRO_DEV) if i["_id"] not in known]
            assert staged["requestor"]["type"] == "cloudRestore"
            assert staged["state"] == {"state": "failed", "error_message": "Import canceled"}
        assert StagedLedger(homes.data_dir).entries() == []
    finally:
        await target.aclose()


async def test_a_restore_still_staged_when_the_app_closes_is_cancelled(world, home, backup_id):
    """Quitting at the review step closes the target: what this run staged and never confirmed is cancelled
    then, not left for an open dashboard Backups page to confirm until the app next starts."""
    homes = Homes(home / "config", home / "data")
    target = await open_target(world.spec(), homes)
    try:
        dev, prod = await target.get_deployment(PRO_DEV), await target.get_deployment(PRO_PROD)
        plan = await target.prepare_restore(backup_id, dev, source=prod)
        assert (
            next(i for i in world.imports(PRO_DEV) if i["_id"] == plan.import_id)["state"]["state"]
            == "waiting_for_confirmation"
        )
    finally:
        await target.aclose()
    state = next(i for i in world.imports(PRO_DEV) if i["_id"] == plan.import_id)["state"]
    assert state == {"state": "failed", "error_message": "Import canceled"}
    assert StagedLedger(homes.data_dir).entries() == []


class _SlowRestoreProxy:
    """Passes every request on to the sandbox's platform, but holds a restore request back for `hold` seconds
    before passing it on: a restore whose import big brain makes only after the client stopped waiting."""

    def __init__(self, upstream: str, hold: float):
        self.upstream, self.hold = upstream.rstrip("/"), hold
        self.restore_received = asyncio.Event()
        self.restore_forwarded = asyncio.Event()

    async def __call__(self, request):
        restore = request.route.endswith("/restore_from_cloud_backup")
        if restore:
            self.restore_received.set()
            await asyncio.sleep(self.hold)
        headers = {
            k: v
            for k, v in request.headers.items()
            if k not in ("host", "content-length", "connection", "transfer-encoding", "accept-encoding")
        }
        async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
            answer = await client.request(
                request.method, self.upstream + request.path, headers=headers, content=request.body
            )
        if restore:
            self.restore_forwarded.set()
        returned = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "connection", "transfer-encoding", "content-encoding")
        }
        return Reply(answer.status_code, answer.content, returned)


async def test_a_restore_backed_out_of_before_its_import_exists_is_cancelled_once_it_does(world, home, backup_id):
    """The operator leaves while big brain is still making the restore's import (esc twice): nothing can be
    cancelled yet, so the record of it stays, and closing the app cancels the import that appeared since."""
    homes = Homes(home / "config", home / "data")
    proxy = _SlowRestoreProxy(world.platform_url, hold=1.0)
    async with FaultServer(proxy) as server:
        target = await open_target(replace(world.spec(), provision_host=server.url), homes)
        try:
            dev, prod = await target.get_deployment(PRO_DEV), await target.get_deployment(PRO_PROD)
            known = {i["_id"] for i in world.imports(PRO_DEV)}
            staging = asyncio.create_task(target.prepare_restore(backup_id, dev, source=prod))
            await asyncio.wait_for(proxy.restore_received.wait(), 60)
            staging.cancel()  # before big brain has made the import
            with pytest.raises(asyncio.CancelledError):
                await staging
            assert [i for i in world.imports(PRO_DEV) if i["_id"] not in known] == []
            await asyncio.wait_for(proxy.restore_forwarded.wait(), 60)
            staged = await _until(
                lambda: next((i for i in world.imports(PRO_DEV) if i["_id"] not in known), None), "the restore's import"
            )
            assert StagedLedger(homes.data_dir).entries()  # still remembered
        finally:
            await target.aclose()  # the operator quits
    state = next(i for i in world.imports(PRO_DEV) if i["_id"] == staged["_id"])["state"]
    assert state == {"state": "failed", "error_message": "Import canceled"}
    assert StagedLedger(homes.data_dir).entries() == []
