"""Periodic backups, timeouts and retention, driven by the sandbox's manual clock over real HTTP."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from platform_support import DAY_MS, DAY_S, HOUR_S, expect_error, settle, throttle


def _path(api, name: str, action: str) -> str:
    return f"/api/dashboard/deployments/{api.deployment_id(name)}/{action}"


def configure(api, name: str, body: dict) -> dict:
    return api.ok("POST", _path(api, name, "configure_periodic_backup"), body)


def config_of(api, name: str) -> dict | None:
    return api.ok("GET", _path(api, name, "get_periodic_backup_config"))


def next_utc(now_ms: int, hour: int, minute: int, weekday: int | None = None) -> int:
    """The first time after now at hour:minute UTC (on `weekday`, 0 = Sunday, when given), in ms."""
    day = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    candidate = int(day.timestamp() * 1000)
    while candidate <= now_ms or (
        weekday is not None and (datetime.fromtimestamp(candidate / 1000, tz=timezone.utc).weekday() + 1) % 7 != weekday
    ):
        candidate += DAY_MS
    return candidate


def test_configure_is_validated(api):
    message = expect_error(
        api.post(_path(api, "starter-prod-101", "configure_periodic_backup"), {"cronspec": "0 3 * * *"}),
        400,
        "PeriodicBackupsNotEnabled",
    )
    assert "Pro plan" in message and "Starter" in message
    for cronspec in ("*/5 * * * *", "0 0 1 * *", "60 1 * * *", "1 24 * * *", "1 1 * * 7", "0 3 * * MON", "daily"):
        reply = api.post(_path(api, "acme-spare-208", "configure_periodic_backup"), {"cronspec": cronspec})
        expect_error(reply, 400, "InvalidCronspec")
    for body in (
        {},
        {"cronspec": 5},
        {"cronspec": "0 3 * * *", "includeStorage": "yes"},
        {"cronspec": "0 3 * * *", "expirationDeltaSecs": "week"},
    ):
        expect_error(api.post(_path(api, "acme-spare-208", "configure_periodic_backup"), body), 400, "BadJsonBody")
    for delta in (0, -5, 61 * DAY_S):
        reply = api.post(
            _path(api, "acme-spare-208", "configure_periodic_backup"),
            {"cronspec": "0 3 * * *", "expirationDeltaSecs": delta},
        )
        expect_error(reply, 400, "InvalidExpirationDelta")
    assert config_of(api, "acme-spare-208") is None
    assert config_of(api, "starter-prod-101") is None


def test_configure_get_and_disable(world, api):
    now = world.now_ms()
    daily = configure(api, "acme-spare-209", {"cronspec": "30 2 * * *"})
    assert daily == {
        "sourceDeploymentId": api.deployment_id("acme-spare-209"),
        "cronspec": "30 2 * * *",
        "expirationDeltaSecs": 7 * DAY_S,
        "nextRun": next_utc(now, 2, 30),
        "includeStorage": False,
    }
    assert config_of(api, "acme-spare-209") == daily
    storage = configure(api, "acme-spare-209", {**daily, "includeStorage": True})  # the dashboard re-sends it all
    assert storage["includeStorage"] is True
    weekly = configure(api, "acme-spare-209", {"cronspec": "0 3 * * 5"})
    assert weekly["expirationDeltaSecs"] == 14 * DAY_S and weekly["includeStorage"] is True  # kept when omitted
    assert weekly["nextRun"] == next_utc(now, 3, 0, weekday=5)
    assert datetime.fromtimestamp(weekly["nextRun"] / 1000, tz=timezone.utc).strftime("%a %H:%M") == "Fri 03:00"
    custom = configure(
        api, "acme-spare-209", {"cronspec": "7  17 * * *", "expirationDeltaSecs": 3 * DAY_S, "includeStorage": False}
    )
    assert custom["cronspec"] == "7 17 * * *" and custom["expirationDeltaSecs"] == 3 * DAY_S
    reply = api.post(_path(api, "acme-spare-209", "disable_periodic_backup"))
    assert reply.status_code == 200 and reply.content == b""
    assert config_of(api, "acme-spare-209") is None
    assert api.post(_path(api, "acme-spare-209", "disable_periodic_backup")).status_code == 200
    events = api.ok("GET", f"/api/dashboard/teams/{api.team_id('acme')}/get_audit_log_events")["events"]
    assert {"configurePeriodicBackup", "disablePeriodicBackup"} <= {e["action"] for e in events}


def test_a_schedule_fires_by_the_clock(world, api):
    name = "acme-prod-201"
    config = configure(api, name, {"cronspec": "0 1 * * *", "includeStorage": True})
    slot = config["nextRun"]
    world.advance_clock((slot - world.now_ms()) / 1000 - 1)
    settle(0.3)
    assert api.backups(name) == []
    now = world.advance_clock(2)
    backups = api.backups(name)
    assert len(backups) == 1
    fired = api.wait_backup(backups[0]["id"])
    assert fired["requestedTime"] == now and fired["expirationTime"] == now + 7 * DAY_MS
    assert fired["includeStorage"] is True and fired["snapshotId"]
    assert config_of(api, name)["nextRun"] == slot + DAY_MS

    world.advance_clock(DAY_S)
    assert len(api.backups(name)) == 2
    api.wait_backup(api.backups(name)[0]["id"])


def test_missed_slots_run_once(world, api):
    name = "acme-ops-204"
    config = configure(api, name, {"cronspec": "15 6 * * *"})
    now = world.advance_clock((config["nextRun"] - world.now_ms()) / 1000 + 3.5 * DAY_S)
    backups = api.backups(name)
    assert len(backups) == 1  # three and a half days of slots, one backup
    assert config_of(api, name)["nextRun"] == next_utc(now, 6, 15)
    api.wait_backup(backups[0]["id"])


def test_a_fire_the_rules_refuse_makes_no_backup(world, api):
    name = "acme-opsdev-205"
    throttle(world, name, 30)
    try:
        manual = api.new_backup(name)
        config = configure(api, name, {"cronspec": "45 8 * * *"})
        world.advance_clock((config["nextRun"] - world.now_ms()) / 1000 + 60)
        assert [b["id"] for b in api.backups(name)] == [manual["id"]]  # skipped: a backup was running
        assert config_of(api, name)["nextRun"] == config["nextRun"] + DAY_MS
    finally:
        throttle(world, name, 0)
    api.wait_backup(manual["id"])
    api.post(_path(api, name, "disable_periodic_backup"))


def test_a_stuck_backup_fails_after_a_day(world, api):
    name = "acme-dev-202"
    deployment = api.deployment(name)
    throttle(world, name, 60)
    try:
        stuck = api.wait_backup(api.new_backup(name)["id"], "inProgress")
        world.advance_clock(23 * HOUR_S)
        assert api.backup(stuck["id"]).json()["state"] == "inProgress"
        world.advance_clock(2 * HOUR_S)
        assert api.backup(stuck["id"]).json()["state"] == "failed"
        assert deployment.latest_cloud_export()["state"] == "canceled"
    finally:
        throttle(world, name, 0)
    assert api.post(f"/api/dashboard/cloud_backups/{stuck['id']}/delete").status_code == 200


def test_expired_backups_vanish_with_their_zip(world, api):
    for name in ("acme-prod-201", "acme-ops-204"):
        api.post(_path(api, name, "disable_periodic_backup"))
    name = "acme-preview-203"
    deployment = api.deployment(name)
    deployment.add("pages", [{"path": "/"}])
    short = api.complete_backup(name)
    assert deployment.download(short["snapshotId"]).status_code == 200
    world.advance_clock((short["expirationTime"] - world.now_ms()) / 1000 - 60)
    assert [b["id"] for b in api.backups(name)] == [short["id"]]
    world.advance_clock(61)
    assert api.backups(name) == []
    expect_error(api.backup(short["id"]), 404, "CloudBackupNotFound")
    expect_error(deployment.download(short["snapshotId"]), 404, "ExportNotFound")
    assert api.new_backup(name)["state"] == "requested"  # expired ones no longer count


@pytest.mark.parametrize(
    "body", [{"advanceSecs": -1}, {"setMs": 0}, {}, {"advanceSecs": "1"}, {"advanceSecs": 1, "setMs": 1}]
)
def test_clock_route_rejects_bad_moves(world, body):
    with world.platform_client() as client:
        reply = client.post("/api/_emulator/clock", json=body)
        assert reply.status_code == 400 and reply.json()["code"] in ("ClockCannotGoBack", "BadJsonBody")


def test_clock_route_is_for_the_operator_only(world):
    with world.platform_client(world.team_token("acme")) as client:
        expect_error(client.post("/api/_emulator/clock", json={"advanceSecs": 1}), 403, "OperatorOnly")
    with world.platform_client("sbx_pat_wrong-token-000000") as client:
        expect_error(client.post("/api/_emulator/clock", json={"advanceSecs": 1}), 401, "AccessTokenInvalid")
