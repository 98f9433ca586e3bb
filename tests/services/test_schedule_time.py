"""Local time ↔ the UTC (weekday, hour, minute) of a schedule, converted as one instant."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from tui.services.schedules.times import describe, local_to_utc, parse_time, parse_weekday, utc_to_local

BERLIN, NEW_YORK, KOLKATA = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")
SUMMER, WINTER = date(2030, 6, 3), date(2030, 1, 7)


@pytest.mark.parametrize(
    "zone, today, local, utc",
    [
        (BERLIN, SUMMER, (1, 1, 0), (0, 23, 0)),  # Monday 01:00 CEST is Sunday 23:00 UTC (the dashboard says Monday)
        (BERLIN, WINTER, (1, 1, 0), (1, 0, 0)),  # in winter the same local time is Monday 00:00 UTC
        (NEW_YORK, WINTER, (6, 22, 0), (0, 3, 0)),  # Saturday 22:00 EST is Sunday 03:00 UTC
        (KOLKATA, WINTER, (None, 1, 30), (None, 20, 0)),  # half-hour offsets
        (ZoneInfo("UTC"), WINTER, (3, 12, 34), (3, 12, 34)),
    ],
)
def test_local_to_utc_and_back(zone, today, local, utc):
    assert local_to_utc(*local, zone, today=today) == utc
    assert utc_to_local(*utc, zone, today=today) == local


def test_daylight_saving_uses_the_offset_of_the_next_run():
    # 2030-03-31 is the day Berlin moves to summer time: a daily 04:00 run from then on is 02:00 UTC
    assert local_to_utc(None, 4, 0, BERLIN, today=date(2030, 3, 30)) == (None, 3, 0)
    assert local_to_utc(None, 4, 0, BERLIN, today=date(2030, 3, 31)) == (None, 2, 0)


def test_parsing_and_describing():
    assert parse_time("04:30") == (4, 30) and parse_time("23:59") == (23, 59)
    for bad in ("24:00", "4", "ab:cd", "12:60"):
        with pytest.raises(ValueError):
            parse_time(bad)
    assert [parse_weekday(w) for w in ("sun", "Monday", "TUE", "3", "7", "sat")] == [0, 1, 2, 3, 0, 6]
    for bad in ("funday", "8", "mo-day"):
        with pytest.raises(ValueError):
            parse_weekday(bad)
    assert describe(None, 4, 5) == "daily at 04:05" and describe(0, 23, 0) == "every Sunday at 23:00"
