"""A schedule change keeps what the operator did not ask to change (tui/commands/README.md "The commands"): a new time
leaves file storage and retention as the current schedule has them; a schedule that is off starts from
the defaults (no file storage, the target's retention)."""

from __future__ import annotations

from datetime import timedelta

from tui.services.protocol import Schedule


def changed_schedule(
    current: Schedule | None,
    *,
    weekday: int | None,
    utc_hour: int,
    utc_minute: int,
    include_storage: bool | None = None,
    retention: timedelta | None = None,
) -> Schedule:
    """The schedule to save: the given time, and `include_storage` / `retention` when given, else as now."""
    if include_storage is None:
        include_storage = current.include_storage if current is not None else False
    if retention is None and current is not None:
        retention = current.retention
    return Schedule(
        frequency="daily" if weekday is None else "weekly",
        utc_hour=utc_hour,
        utc_minute=utc_minute,
        weekday=weekday,
        include_storage=include_storage,
        retention=retention,
    )
