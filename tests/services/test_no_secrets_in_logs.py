"""Every service operation with logging at DEBUG: no token, admin key or env var value in any record."""

from __future__ import annotations

import logging

from cloud_world import STARTER_DEV, STARTER_PROD

SECRET = "sk-log-hygiene-value-31337"


async def test_logs_hold_no_secret(world, home, caplog):
    caplog.set_level(logging.DEBUG)
    world.set_env(STARTER_DEV, {"API_KEY": SECRET})
    world.add(STARTER_DEV, "things", [{"n": i} for i in range(20)])
    target = world.target(home)
    try:
        dev = await target.get_deployment(STARTER_DEV)
        record = await target.request_backup(dev)
        [p async for p in target.follow_backup(dev, record.id)]
        saved = await target.env_save(dev)
        world.set_env(STARTER_DEV, {"API_KEY": "other-value-0000"})
        await target.env_diff(dev, saved.id)
        await target.env_restore(dev, saved.id)
        plan = await target.prepare_restore(record.id, dev)
        await target.confirm_restore(plan)
        [p async for p in target.follow_restore(plan)]
        await target.list_backups(dev)
        await target.plan_limits(await target.get_deployment(STARTER_PROD))
    finally:
        await target.aclose()
    with world.sandbox.platform_client() as platform:
        key = platform.post(f"/api/dashboard/instances/{STARTER_DEV}/auth").json()["adminKey"]
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert caplog.records  # the HTTP layer did log
    for secret in (world.token, key, key.split("|")[-1], SECRET, "other-value-0000"):
        assert secret not in text
