"""Local wall-clock time ↔ the UTC (weekday, hour, minute) a periodic schedule stores.

Convex stores schedules as UTC cronspecs. The dashboard converts only the time with today's offset and
keeps the weekday, so a weekly "Monday 01:00" in UTC+2 becomes "Monday 23:00 UTC" — a day late. Here the
(weekday, time) pair is converted as one instant: the next local occurrence is built in the zone (with its
daylight-saving rules) and moved to UTC, so it becomes "Sunday 23:00 UTC". Weekdays count 0 = Sunday …
6 = Saturday, as in cron.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tui.services.protocol import WEEKDAYS

_ABBREVIATIONS = {name[:3].lower(): index for index, name in enumerate(WEEKDAYS)}


def local_zone() -> tzinfo:
    """The machine's zone with its rules: `$TZ`, else /etc/localtime, else today's fixed offset."""
    name = os.environ.get("TZ", "").lstrip(":")
    candidates = [name] if name else []
    try:
        target = Path("/etc/localtime").resolve()
        if "zoneinfo" in target.parts:
            candidates.append("/".join(target.parts[target.parts.index("zoneinfo") + 1 :]))
    except OSError:
        pass
    for candidate in candidates:
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return datetime.now().astimezone().tzinfo or timezone.utc


def cron_weekday(moment: datetime) -> int:
    """0 = Sunday (cron) from Python's 0 = Monday."""
    return (moment.weekday() + 1) % 7


def _next_on(weekday: int | None, hour: int, minute: int, zone: tzinfo, today: date) -> datetime:
    """The next (from `today`, inclusive) wall-clock time in `zone` on that weekday (any day when None)."""
    day = today
    if weekday is not None:
        day = today + timedelta(days=(weekday - cron_weekday(datetime.combine(today, time()))) % 7)
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def _check(weekday: int | None, hour: int, minute: int) -> None:
    if not (0 <= hour <= 23 and 0 <= minute <= 59) or (weekday is not None and not 0 <= weekday <= 6):
        raise ValueError(f"not a schedule time: weekday {weekday}, {hour:02d}:{minute:02d}")


def local_to_utc(
    weekday: int | None, hour: int, minute: int, zone: tzinfo | None = None, *, today: date | None = None
) -> tuple[int | None, int, int]:
    """(weekday, hour, minute) in UTC for a local (weekday, hour, minute); weekday None = daily."""
    _check(weekday, hour, minute)
    zone = zone or local_zone()
    today = today or datetime.now(zone).date()
    utc = _next_on(weekday, hour, minute, zone, today).astimezone(timezone.utc)
    return (cron_weekday(utc) if weekday is not None else None), utc.hour, utc.minute


def utc_to_local(
    weekday: int | None, hour: int, minute: int, zone: tzinfo | None = None, *, today: date | None = None
) -> tuple[int | None, int, int]:
    """The local (weekday, hour, minute) of a UTC schedule, with the offset its next run will have."""
    _check(weekday, hour, minute)
    zone = zone or local_zone()
    today = today or datetime.now(timezone.utc).date()
    local = _next_on(weekday, hour, minute, timezone.utc, today).astimezone(zone)
    return (cron_weekday(local) if weekday is not None else None), local.hour, local.minute


def parse_time(text: str) -> tuple[int, int]:
    """ "HH:MM" (24-hour) → (hour, minute)."""
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{text!r} is not a time: use HH:MM, 24-hour (e.g. 04:30)")
    hour, minute = int(parts[0]), int(parts[1])
    _check(None, hour, minute)
    return hour, minute


def parse_weekday(text: str) -> int:
    """ "mon", "Monday" or "1" (0 = Sunday) → the cron weekday."""
    key = text.strip().lower()
    if key.isdigit() and 0 <= int(key) <= 6:
        return int(key)
    if key == "7":
        return 0
    if key[:3] in _ABBREVIATIONS and WEEKDAYS[_ABBREVIATIONS[key[:3]]].lower().startswith(key):
        return _ABBREVIATIONS[key[:3]]
    raise ValueError(f"{text!r} is not a weekday: use a name (Monday, mon) or 0-6 with 0 = Sunday")


def describe(weekday: int | None, hour: int, minute: int) -> str:
    day = "daily" if weekday is None else f"every {WEEKDAYS[weekday]}"
    return f"{day} at {hour:02d}:{minute:02d}"
