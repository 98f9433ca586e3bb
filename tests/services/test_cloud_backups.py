"""CloudTarget against a real sandbox over loopback: listing, backups with live progress, the plan limit
refused before any request, cancel and delete."""

from __future__ import annotations

import httpx
import pytest
from cloud_world import PRO_DEV, PRO_PROD, STARTER_DEV, STARTER_PROD

from tui.api.errors import NotFound
from tui.api.platform.client import PlatformClient
from tui.services.cloud.target import CloudTarget
from tui.services.deployment.env_store import EnvStore
from tui.services.errors import BackupLimitReached, ReadOnlyRefused
from tui.services.protocol import BackupTarget


class Recording(httpx.AsyncHTTPTransport):
    """A real transport that remembers every request's method and path."""

    def __init__(self):
        super().__init__()
        self.requests: list[tuple[str, str]] = []

    async def handle_async_request(self, request):
        self.requests.append((request.method, request.url.path))
        return await super().handle_async_request(request)


async def test_lists_teams_projects_and_deployments(world, home):
    target = world.target(home)
    try:
        assert isinstance(target, BackupTarget)
        info = await target.info()
        assert info.kind == "sandbox" and "not your Convex account" in info.notice
        assert {t.slug for t in await target.list_teams()} == {"sandbox", "acme"}
        assert {(p.team, p.slug) for p in await target.list_projects()} == {("sandbox", "notes"), ("acme", "shop")}
        assert [p.slug for p in await target.list_projects("acme")] == ["shop"]
        deployments = {d.name: d for d in await target.list_deployments()}
        assert set(deployments) >= {STARTER_PROD, STARTER_DEV, PRO_PROD, PRO_DEV}
        prod = deployments[PRO_PROD]
        assert (prod.team, prod.project, prod.type, prod.is_prod, prod.danger_label) == (
            "acme",
            "shop",
            "prod",
            True,
            "PRODUCTION",
        )
        assert prod.url.startswith("http://127.0.0.1:") and prod.id.isdigit()
        assert {d.name for d in await target.list_deployments("shop")} == {PRO_PROD, PRO_DEV}
        assert (await target.get_deployment(STARTER_DEV)).type == "dev"
        with pytest.raises(NotFound, match="no-such-deployment"):
            await target.get_deployment("no-such-deployment")
        with pytest.raises(NotFound):
            await target.list_projects("no-such-team")
        limits = await target.plan_limits(deployments[STARTER_DEV])
        assert (limits.max_backups, limits.periodic_backups) == (2, False)
        assert "Pro" in limits.explanation
        assert (await target.plan_limits(prod)).periodic_backups is True
    finally:
        await target.aclose()


async def test_backup_shows_live_progress_and_saves_env_vars(world, home):
    world.add(PRO_PROD, "orders", [{"n": i, "item": f"thing {i}"} for i in range(600)])
    world.add(PRO_PROD, "customers", [{"n": i} for i in range(300)])
    world.set_env(PRO_PROD, {"API_KEY": "sk-live-backup-test-1234", "SITE": "https://shop.example"})
    world.throttle(PRO_PROD, 0.15)
    target = world.target(home)
    try:
        prod = await target.get_deployment(PRO_PROD)
        record = await target.request_backup(prod, include_storage=True)
        assert record.state in ("requested", "inProgress") and record.include_storage and record.kind == "manual"
        assert record.env_snapshot is not None
        seen = [progress async for progress in target.follow_backup(prod, record.id)]
        assert seen[-1].finished and seen[-1].state == "complete" and seen[-1].fraction == 1.0
        assert all(not p.finished for p in seen[:-1])
        running = [p for p in seen if p.state == "inProgress" and p.message.startswith("Backing up")]
        assert running, [p.message for p in seen]
        fractions = [p.fraction for p in running if p.fraction is not None]
        assert fractions and fractions == sorted(fractions)
        # Convex's words carry no "table i of N": the fraction covers the whole export, from the table sizes
        # (customers, the smaller, is written first, so orders starts at a third).
        assert not any("(table" in p.message for p in running)
        in_orders = [p.fraction for p in running if p.message.startswith("Backing up orders:")]
        assert in_orders and min(in_orders) >= 300 / 900 - 1e-9
        assert any(p.done is not None and p.total for p in running)
        assert [p.elapsed for p in seen] == sorted(p.elapsed for p in seen)
        listed = await target.list_backups(prod)
        assert listed[0].id == record.id and listed[0].state == "complete" and listed[0].completed is not None
        assert listed[0].env_snapshot == record.env_snapshot and listed[0].snapshot_id
        saved = EnvStore(home / "data" / "env").find(PRO_PROD, record.env_snapshot)
        assert saved.reason == f"backup {record.id}" and saved.values["API_KEY"] == "sk-live-backup-test-1234"
        assert "sk-live" not in repr(saved) and "sk-live" not in repr(listed)
    finally:
        world.throttle(PRO_PROD, 0)
        await target.aclose()


async def test_backup_progress_without_websocket(world, home):
    target = world.target(home, use_sync=False)
    try:
        dev = await target.get_deployment(PRO_DEV)
        record = await target.request_backup(dev)
        seen = [p async for p in target.follow_backup(dev, record.id)]
        assert seen[-1].state == "complete"
    finally:
        await target.aclose()


async def test_plan_limit_refused_before_the_request(world, home):
    plain = world.target(home)
    try:
        dev = await plain.get_deployment(STARTER_DEV)
        for _ in range(2):
            record = await plain.request_backup(dev)
            assert [p async for p in plain.follow_backup(dev, record.id)][-1].state == "complete"
    finally:
        await plain.aclose()
    transport = Recording()
    target = CloudTarget(
        PlatformClient(world.platform_url, world.token, transport=transport), EnvStore(home / "data" / "env")
    )
    try:
        dev = await target.get_deployment(STARTER_DEV)
        with pytest.raises(BackupLimitReached) as refused:
            await target.request_backup(dev)
        assert "2" in refused.value.message and "delete an older backup" in refused.value.message
        assert not [path for _, path in transport.requests if path.endswith("request_cloud_backup")]
        assert len(world.backups(STARTER_DEV)) == 2
    finally:
        await target.aclose()


async def test_cancel_a_running_backup(world, home):
    world.add(PRO_DEV, "events", [{"n": i} for i in range(400)])
    world.throttle(PRO_DEV, 0.3)
    target = world.target(home)
    try:
        dev = await target.get_deployment(PRO_DEV)
        record = await target.request_backup(dev)
        seen = []
        async for progress in target.follow_backup(dev, record.id):
            seen.append(progress)
            if progress.state == "inProgress" and "canceled" not in seen:
                await target.cancel_backup(dev, record.id)
                seen.append("canceled")
        assert seen[-1].finished and seen[-1].state == "canceled"
        assert (await target.get_backup(dev, record.id)).state == "canceled"
    finally:
        world.throttle(PRO_DEV, 0)
        await target.aclose()


async def test_delete_a_backup_and_read_only_refusals(world, home):
    target = world.target(home, read_only=frozenset({STARTER_DEV}))
    try:
        dev = await target.get_deployment(STARTER_DEV)
        assert dev.read_only
        victim = (await target.list_backups(dev))[-1]
        with pytest.raises(ReadOnlyRefused, match="read_only"):
            await target.delete_backup(dev, victim.id)
        assert victim.id in {b.id for b in await target.list_backups(dev)}
    finally:
        await target.aclose()
    target = world.target(home)
    try:
        dev = await target.get_deployment(STARTER_DEV)
        await target.delete_backup(dev, victim.id)
        assert victim.id not in {b.id for b in await target.list_backups(dev)}
        assert victim.id not in {str(b["id"]) for b in world.backups(STARTER_DEV)}
    finally:
        await target.aclose()


async def test_listed_backups_carry_the_size_of_their_zip(world, home):
    """Convex's backup objects have no size: it is read from the source deployment's export (the download's
    Content-Length) and must be the byte count a download gets."""
    world.add(PRO_DEV, "sized", [{"n": i, "text": "x" * 200} for i in range(300)])
    target = world.target(home)
    try:
        dev = await target.get_deployment(PRO_DEV)
        record = await target.request_backup(dev)
        assert record.size is None  # not complete yet: no ZIP to measure
        [_ async for _ in target.follow_backup(dev, record.id)]
        listed = {b.id: b for b in await target.list_backups(dev)}
        done = listed[record.id]
        zip_bytes = world.http(PRO_DEV).get(f"/api/export/zip/{done.snapshot_id}").content
        assert zip_bytes[:2] == b"PK" and done.size == len(zip_bytes) > 300 * 200 // 10
        assert all(b.size is None for b in listed.values() if b.state != "complete")
        assert (await target.get_backup(dev, record.id)).size == done.size
    finally:
        await target.aclose()
