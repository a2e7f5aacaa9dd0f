"""Template filters: times in the event's timezone, money in its currency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from app.formatting import local_time, money


def test_a_time_is_shown_in_the_events_timezone_whatever_zone_it_comes_in():
    instant = datetime(2026, 12, 3, 18, 5, tzinfo=UTC)
    lusaka = local_time(instant, "Africa/Lusaka", "HH:mm")
    assert lusaka == "20:05"
    # the same instant written in another zone (equal, and so the same cache entry)
    assert local_time(instant.astimezone(timezone(timedelta(hours=-5))), "Africa/Lusaka",
                      "HH:mm") == lusaka
    assert local_time(instant, "Europe/London", "HH:mm") == "18:05"
    assert local_time(instant, "UTC", "EEE d MMM y, HH:mm") == "Thu 3 Dec 2026, 18:05"
    assert local_time(None) == ""


def test_money_is_formatted_in_its_currency():
    assert money(Decimal("45"), "ZMW") == "ZMW45.00"
    assert money(12, "GBP") == "£12.00"
