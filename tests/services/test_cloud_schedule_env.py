"""Periodic schedules (and the Pro refusal) and environment variables through CloudTarget, against a
real sandbox."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from cloud_world import PRO_DEV, PRO_PROD, STARTER_PROD

from tui.api.errors import NotFound
from tui.services.errors import NotEntitled, ReadOnlyRefused
from tui.services.protocol import Schedule


async def test_schedule_set_get_disable_on_pro(world, home):
    target = world.target(home)
    try:
        prod = await target.get_deployment(PRO_PROD)
        assert await target.get_schedule(prod) is None
        weekly = Schedule("weekly", utc_hour=23, utc_minute=5, weekday=0, include_storage=True)
        stored = await target.set_schedule(prod, weekly)
        assert (stored.frequency, stored.utc_hour, stored.utc_minute, stored.weekday) == ("weekly", 23, 5, 0)
        assert stored.include_storage and stored.retention == timedelta(days=14) and stored.next_run is not None
        assert stored.next_run.weekday() == 6 and (stored.next_run.hour, stored.next_run.minute) == (23, 5)
        config = world.platform(
            "GET", f"/api/dashboard/deployments/{world.deployment_id(PRO_PROD)}/get_periodic_backup_config"
        )
        assert config["cronspec"] == "5 23 * * 0"
        daily = Schedule(
            "daily", utc_hour=4, utc_minute=30, weekday=None, include_storage=False, retention=timedelta(days=3)
        )
        stored = await target.set_schedule(prod, daily)
        assert (await target.get_schedule(prod)) == stored
        assert (stored.frequency, stored.weekday, stored.retention, stored.include_storage) == (
            "daily",
            None,
            timedelta(days=3),
            False,
        )
        await target.disable_schedule(prod)
        assert await target.get_schedule(prod) is None
    finally:
        await target.aclose()


async def test_schedule_is_a_pro_feature(world, home):
    target = world.target(home)
    try:
        prod = await target.get_deployment(STARTER_PROD)
        with pytest.raises(NotEntitled) as refused:
            await target.set_schedule(prod, Schedule("daily", 4, 0, None, False))
        assert "Pro" in refused.value.message and "by hand" in refused.value.message
        assert await target.get_schedule(prod) is None
    finally:
        await target.aclose()


async def test_schedule_refused_for_read_only(world, home):
    target = world.target(home, read_only=frozenset({PRO_DEV}))
    try:
        dev = await target.get_deployment(PRO_DEV)
        with pytest.raises(ReadOnlyRefused):
            await target.set_schedule(dev, Schedule("daily", 4, 0, None, False))
        with pytest.raises(ReadOnlyRefused):
            await target.disable_schedule(dev)
        assert await target.get_schedule(dev) is None
    finally:
        await target.aclose()


async def test_env_save_diff_restore(world, home):
    world.set_env(PRO_DEV, {"API_KEY": "sk-secret-value-0001", "SITE": "https://a.example", "MODE": "blue"})
    target = world.target(home)
    try:
        dev = await target.get_deployment(PRO_DEV)
        live = await target.env_live(dev)
        assert live.names == ("API_KEY", "MODE", "SITE") and live.id is None
        assert live.masked()["API_KEY"] == "***" and "sk-secret" not in repr(live)
        saved = await target.env_save(dev)
        path = home / "data" / "env" / PRO_DEV / f"{saved.id}.json"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
        assert [s.id for s in await target.env_saved(dev)] == [saved.id]
        assert (await target.env_diff(dev, saved.id)).is_empty

        world.set_env(PRO_DEV, {"API_KEY": "sk-rotated-value-0002", "MODE": None, "NEW_FLAG": "1"})
        diff = await target.env_diff(dev, saved.id[:10])  # a unique prefix will do
        assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (
            ("MODE",),
            ("NEW_FLAG",),
            ("API_KEY",),
            ("SITE",),
        )

        kept = await target.env_restore(dev, "latest", keep_extra=True)
        assert kept.removed == () and world.env(PRO_DEV) == {
            "API_KEY": "sk-secret-value-0001",
            "SITE": "https://a.example",
            "MODE": "blue",
            "NEW_FLAG": "1",
        }
        exact = await target.env_restore(dev, saved.id)
        assert exact.removed == ("NEW_FLAG",)
        assert world.env(PRO_DEV) == {"API_KEY": "sk-secret-value-0001", "SITE": "https://a.example", "MODE": "blue"}
        with pytest.raises(NotFound, match="not a saved set"):
            await target.env_diff(dev, "nope")
    finally:
        await target.aclose()


async def test_env_restore_refused_for_read_only(world, home):
    target = world.target(home)
    try:
        dev = await target.get_deployment(PRO_DEV)
        saved = await target.env_save(dev)
    finally:
        await target.aclose()
    world.set_env(PRO_DEV, {"MODE": "green"})
    target = world.target(home, read_only=frozenset({PRO_DEV}))
    try:
        dev = await target.get_deployment(PRO_DEV)
        with pytest.raises(ReadOnlyRefused):
            await target.env_restore(dev, saved.id)
        assert world.env(PRO_DEV)["MODE"] == "green"
    finally:
        await target.aclose()
