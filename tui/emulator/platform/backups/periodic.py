"""Periodic backup schedules: daily `M H * * *` or weekly `M H * * D` cronspecs in UTC.

Decisions where Convex is unconfirmed:
- Only the two shapes the dashboard produces are accepted; anything else is `InvalidCronspec`.
- `expirationDeltaSecs` omitted or null: 7 days for a daily schedule, 14 for a weekly one (the
  documented retention), whatever the previous config had; it must be within (0, 60 days], the
  deployment's own limit on an export's expiration.
- `includeStorage` omitted or null: the previous config's value, false for a new schedule.
- Without the Pro entitlement (`periodicBackupsEnabled`), configuring is refused
  (`PeriodicBackupsNotEnabled`); reading and disabling still work.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from tui.emulator.errors import bad_request
from tui.emulator.platform import audit, directory, models, plans
from tui.emulator.platform.access.bearer_auth import Principal

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform

DAY_S = 24 * 3600
DAILY_RETENTION_S = 7 * DAY_S
WEEKLY_RETENTION_S = 14 * DAY_S
MAX_RETENTION_S = 60 * DAY_S
_SHAPE = re.compile(r"^(\d{1,2}) (\d{1,2}) \* \* (\*|\d)$")


def parse_cronspec(value: Any) -> tuple[str, bool]:
    """The normalised cronspec and whether it is weekly; 400 `InvalidCronspec` for any other shape."""
    if not isinstance(value, str):
        raise bad_request("BadJsonBody", 'missing field `cronspec` (a string such as "7 17 * * *")')
    spec = " ".join(value.split())
    match = _SHAPE.match(spec)
    if not match or int(match[1]) > 59 or int(match[2]) > 23 or (match[3] != "*" and int(match[3]) > 6):
        raise bad_request(
            "InvalidCronspec",
            f'Unsupported cronspec {value!r}: use "<minute> <hour> * * *" for a daily backup or '
            '"<minute> <hour> * * <weekday 0-6, 0 = Sunday>" for a weekly one, with the time in UTC.',
        )
    minute, hour, weekday = int(match[1]), int(match[2]), match[3]
    spec = f"{minute} {hour} * * {weekday}"
    return spec, weekday != "*"


def next_run_ms(cronspec: str, after_ms: int) -> int:
    """The first scheduled time strictly after `after_ms`, in UTC."""
    from croniter import croniter  # with dateutil, some 15 ms that the sandbox's start need not wait for

    start = datetime.fromtimestamp(after_ms / 1000, tz=timezone.utc)
    nxt = croniter(cronspec, start).get_next(datetime)
    return int(nxt.timestamp() * 1000)


def get(platform: Platform, deployment_id: int) -> dict[str, Any] | None:
    row = platform.store.one("SELECT * FROM periodic_configs WHERE deployment_id = ?", (deployment_id,))
    return dict(row) if row else None


def _optional(body: dict[str, Any], key: str, kind: type, label: str) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise bad_request("BadJsonBody", f"`{key}` must be {label} or null.")
    return value


def configure(platform: Platform, principal: Principal, row: dict[str, Any], body: Any) -> dict[str, Any]:
    conn = platform.store.conn()
    team = directory.existing_team(conn, directory.team_id_of_deployment(conn, row))
    plan = plans.plan_of(team["plan"])
    if not plan.periodic_backups_enabled:
        raise bad_request(
            "PeriodicBackupsNotEnabled",
            f"Periodic backups need the Pro plan; team {team['name']} is on the {plan.display_name} plan. "
            "Take manual backups instead, or upgrade the team.",
        )
    if not isinstance(body, dict):
        raise bad_request("BadJsonBody", "Expected a JSON object with `cronspec`.")
    cronspec, weekly = parse_cronspec(body.get("cronspec"))
    delta = _optional(body, "expirationDeltaSecs", int, "a number of seconds")
    include_storage = _optional(body, "includeStorage", bool, "true or false")
    if delta is None:
        delta = WEEKLY_RETENTION_S if weekly else DAILY_RETENTION_S
    if not 0 < delta <= MAX_RETENTION_S:
        raise bad_request(
            "InvalidExpirationDelta",
            f"expirationDeltaSecs must be more than 0 and at most {MAX_RETENTION_S} (60 days), not {delta}.",
        )
    now = platform.clock.now_ms()
    with platform.lock, platform.store.write() as conn:
        previous = conn.execute("SELECT * FROM periodic_configs WHERE deployment_id = ?", (row["id"],)).fetchone()
        previous = dict(previous) if previous else None
        if include_storage is None:
            include_storage = bool(previous["include_storage"]) if previous else False
        config = {
            "deployment_id": row["id"],
            "cronspec": cronspec,
            "expiration_delta_secs": delta,
            "include_storage": int(include_storage),
            "next_run": next_run_ms(cronspec, now),
            "create_time": previous["create_time"] if previous else now,
            "update_time": now,
        }
        conn.execute(
            "INSERT OR REPLACE INTO periodic_configs(deployment_id, cronspec, expiration_delta_secs, include_storage, "
            "next_run, create_time, update_time) VALUES (:deployment_id, :cronspec, :expiration_delta_secs, "
            ":include_storage, :next_run, :create_time, :update_time)",
            config,
        )
        metadata: dict[str, Any] = {
            "current": {**models.periodic_config_response(config), "sourceDeploymentName": row["name"]}
        }
        if previous:
            metadata["previous"] = {**models.periodic_config_response(previous), "sourceDeploymentName": row["name"]}
        audit.record(
            conn,
            team_id=team["id"],
            actor=principal.actor(),
            action=audit.CONFIGURE_PERIODIC,
            metadata=metadata,
            now_ms=now,
        )
    platform.scheduler.notify()
    return config


def disable(platform: Platform, principal: Principal, row: dict[str, Any]) -> None:
    """Remove the schedule (a no-op when there is none)."""
    now = platform.clock.now_ms()
    with platform.lock, platform.store.write() as conn:
        previous = conn.execute("SELECT * FROM periodic_configs WHERE deployment_id = ?", (row["id"],)).fetchone()
        if previous is None:
            return
        conn.execute("DELETE FROM periodic_configs WHERE deployment_id = ?", (row["id"],))
        audit.record(
            conn,
            team_id=directory.team_id_of_deployment(conn, row),
            actor=principal.actor(),
            action=audit.DISABLE_PERIODIC,
            now_ms=now,
            metadata={
                "previous": {**models.periodic_config_response(dict(previous)), "sourceDeploymentName": row["name"]}
            },
        )
