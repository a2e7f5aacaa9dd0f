"""Jinja filters: times shown in the event's timezone, money in its currency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency
from flask import Flask

LOCALE = "en_GB"


def local_time(value: datetime | None, timezone: str = "UTC",
               pattern: str = "EEE d MMM y, HH:mm") -> str:
    if value is None:
        return ""
    return _local_time(value, timezone, pattern)


@lru_cache(maxsize=4096)
def _local_time(value: datetime, timezone: str, pattern: str) -> str:
    """Formatting is pure, and a cart's holds share one expiry, drawn again on every click."""
    return format_datetime(value.astimezone(ZoneInfo(timezone)), pattern, locale=LOCALE)


def money(amount: Decimal | int | float, currency: str) -> str:
    return _money(Decimal(amount), currency)


@lru_cache(maxsize=4096)
def _money(amount: Decimal, currency: str) -> str:
    """Formatting is pure and a page shows the same few prices many times over."""
    return format_currency(amount, currency, locale=LOCALE)


def init_formatting(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(money, "money")
