"""When a stored schedule is due: the latest slot at or before now, not before the schedule was set, not
one already done; missed slots are made up once; a failed slot waits a little before it is tried again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tui.services.self_hosted.schedules_runner import RETRY_AFTER, due_slot, latest_slot, next_slot

UTC = timezone.utc
WED = datetime(2030, 1, 2, 12, 0, tzinfo=UTC)  # a Wednesday
DAILY = {
    "frequency": "daily",
    "utc_hour": 4,
    "utc_minute": 30,
    "weekday": None,
    "created": datetime(2029, 12, 1, tzinfo=UTC).isoformat(),
}
WEEKLY = {**DAILY, "frequency": "weekly", "weekday": 1}  # Mondays 04:30 UTC


def test_latest_and_next_slots():
    assert latest_slot(DAILY, WED) == datetime(2030, 1, 2, 4, 30, tzinfo=UTC)
    assert latest_slot(DAILY, WED.replace(hour=4, minute=0)) == datetime(2030, 1, 1, 4, 30, tzinfo=UTC)
    assert next_slot(DAILY, WED) == datetime(2030, 1, 3, 4, 30, tzinfo=UTC)
    assert latest_slot(WEEKLY, WED) == datetime(2029, 12, 31, 4, 30, tzinfo=UTC)  # Monday
    assert next_slot(WEEKLY, WED) == datetime(2030, 1, 7, 4, 30, tzinfo=UTC)
    monday_early = datetime(2029, 12, 31, 4, 0, tzinfo=UTC)
    assert latest_slot(WEEKLY, monday_early) == datetime(2029, 12, 24, 4, 30, tzinfo=UTC)
    sunday = {**WEEKLY, "weekday": 0}
    assert latest_slot(sunday, WED) == datetime(2029, 12, 30, 4, 30, tzinfo=UTC)


def test_a_new_schedule_waits_for_its_first_slot():
    body = {**DAILY, "created": WED.isoformat()}
    assert due_slot(body, WED) is None
    assert due_slot(body, WED + timedelta(hours=17)) == datetime(2030, 1, 3, 4, 30, tzinfo=UTC)


def test_a_done_slot_is_not_run_again_and_missed_slots_run_once():
    slot = due_slot(DAILY, WED)
    assert slot == datetime(2030, 1, 2, 4, 30, tzinfo=UTC)
    done = {**DAILY, "last_slot": slot.isoformat()}
    assert due_slot(done, WED + timedelta(hours=1)) is None
    three_days_later = WED + timedelta(days=3)
    assert due_slot(done, three_days_later) == datetime(2030, 1, 5, 4, 30, tzinfo=UTC)  # only the latest


def test_a_failed_slot_is_retried_after_a_pause():
    slot = due_slot(DAILY, WED)
    failed = {**DAILY, "last_failure": {"slot": slot.isoformat(), "at": WED.isoformat(), "error": "boom"}}
    assert due_slot(failed, WED + timedelta(minutes=1)) is None
    assert due_slot(failed, WED + RETRY_AFTER) == slot
