"""Scheduled self-hosted backups: a due slot runs once and not twice, missed slots are made up once, two
runs never overlap, and `convex-backups run-schedules` does the same from cron (run in-process here)."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import timedelta

import pytest

from tui.api.deployment.client import DeploymentClient
from tui.commands import run_schedules_cmd
from tui.services.config.settings import Homes
from tui.services.deployment.env_store import EnvStore
from tui.services.self_hosted.local_store import LocalStore
from tui.services.protocol import DeploymentRef, Schedule
from tui.services.self_hosted.schedules_runner import RunLock, run_due
from tui.services.self_hosted.target import SelfHostedTarget


@pytest.fixture
async def target(deployment, tmp_path, clock):
    homes = Homes(tmp_path / "config", tmp_path / "data")
    client = DeploymentClient(deployment.url, deployment.key)
    made = SelfHostedTarget(client, LocalStore(homes.store_dir, clock=clock), EnvStore(homes.env_dir))
    yield made
    await made.aclose()


async def _daily_in_one_hour(target, clock) -> Schedule:
    ref = await target.deployment()
    soon = clock() + timedelta(hours=1)
    return await target.set_schedule(ref, Schedule("daily", soon.hour, soon.minute, None, include_storage=True))


async def test_a_due_slot_runs_once_and_not_twice(target, clock):
    schedule = await _daily_in_one_hour(target, clock)
    assert schedule.next_run is not None and schedule.retention == timedelta(days=7)
    store = target.store
    assert (await run_due([target], store)).not_due  # the first slot is still ahead
    clock.advance(hours=2)
    report = await run_due([target], store)
    assert len(report.ran) == 1 and report.ok
    again = await run_due([target], store)
    assert again.ran == [] and again.not_due
    ref = await target.deployment()
    backups = await target.list_backups(ref)
    assert [b.kind for b in backups] == ["daily"] and backups[0].include_storage
    clock.advance(days=3)  # three slots missed: one backup makes them up
    assert len((await run_due([target], store)).ran) == 1
    assert len((await run_due([target], store)).ran) == 0
    assert len(await target.list_backups(ref)) == 2


async def test_two_runs_never_overlap(target, clock):
    await _daily_in_one_hour(target, clock)
    clock.advance(hours=2)
    other = RunLock(target.store)  # another run-schedules process holding the lock
    assert other.acquire()
    try:
        report = await run_due([target], target.store)
        assert report.locked and report.ran == []
    finally:
        other.release()
    both = await asyncio.gather(run_due([target], target.store), run_due([target], target.store))
    assert sorted(len(r.ran) for r in both) == [0, 1]
    assert sum(r.locked for r in both) <= 1


async def test_a_failed_backup_is_reported_and_retried_later(target, clock, deployment):
    await _daily_in_one_hour(target, clock)
    clock.advance(hours=2)
    bad = _RefusedTarget(
        await target.deployment(), DeploymentClient(deployment.url, "wrong|key"), target.store, target.env_store
    )
    try:
        report = await run_due([bad], target.store)
    finally:
        await bad.client.aclose()
    assert len(report.failed) == 1 and not report.ok
    assert (await run_due([target], target.store)).ran == []  # waits RETRY_AFTER
    clock.advance(minutes=16)
    assert len((await run_due([target], target.store)).ran) == 1


class _RefusedTarget(SelfHostedTarget):
    """The same deployment, known from an earlier look-up, whose key is now refused (a rotated key)."""

    def __init__(self, known: DeploymentRef, *args, **kwargs):
        super().__init__(*args, name=known.name, **kwargs)
        self.known = known

    async def deployment(self) -> DeploymentRef:
        return self.known


def _parse(*argv):
    parser = argparse.ArgumentParser(prog="convex-backups")
    sub = parser.add_subparsers(dest="command")
    run_schedules_cmd.add_parser(sub)
    return parser.parse_args(["run-schedules", *argv])


def test_the_command_runs_what_is_due_once(deployment, tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONVEX_BACKUPS_HOME", str(home))
    monkeypatch.setenv("CONVEX_SELF_HOSTED_URL", deployment.url)
    monkeypatch.setenv("CONVEX_SELF_HOSTED_ADMIN_KEY", deployment.key)
    for name in ("CONVEX_DEPLOY_KEY", "CONVEX_DEPLOYMENT", "CONVEX_BACKUPS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    store = LocalStore(Homes.from_environ().store_dir)
    key = LocalStore.key_for(deployment.name, deployment.url)
    now = store.clock()
    slot = now - timedelta(hours=1)
    store.write_schedule(
        key,
        {
            "frequency": "daily",
            "utc_hour": slot.hour,
            "utc_minute": slot.minute,
            "weekday": None,
            "include_storage": False,
            "created": (now - timedelta(days=2)).isoformat(),
            "deployment": deployment.name,
            "url": deployment.url,
        },
    )
    assert run_schedules_cmd.run(_parse("--json")) == 0
    first = json.loads(capsys.readouterr().out)
    assert len(first["ran"]) == 1 and first["deployments"] == 1
    assert run_schedules_cmd.run(_parse()) == 0
    assert capsys.readouterr().out == ""  # nothing due: quiet for cron
    assert len(store.list(key)) == 1
    assert store.read_schedule(key)["last_backup"] == first["ran"][0]["backup"]
