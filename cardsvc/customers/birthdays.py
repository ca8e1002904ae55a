"""Birthday rules, pure: which birthday (of which year) a day falls in, in the customer's own
time zone, for a month or a week window. Someone born on 29 February is greeted on 28 February
in years without one."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Window = Literal["month", "week"]


def valid_birthday(day: int, month: int, year: int | None, today: date) -> bool:
    """Day and month make a date (29 February allowed without a year); a year, when given,
    makes a real date no later than today and no earlier than 1900."""
    if not 1 <= month <= 12:
        return False
    if year is None:
        return 1 <= day <= calendar.monthrange(2000, month)[1]  # 2000: a leap year
    if not 1900 <= year <= today.year:
        return False
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return False
    return date(year, month, day) <= today


def birthday_in(year: int, day: int, month: int) -> date:
    """The day the birthday is kept in `year` (29 February -> 28 February in common years)."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def local_day(now: int, tz: str) -> date:
    """The calendar day it is at epoch second `now` in zone `tz`."""
    return datetime.fromtimestamp(now, UTC).astimezone(ZoneInfo(tz)).date()


def _week_of(d: date) -> tuple[date, date]:
    monday = d - timedelta(days=d.weekday())
    return monday, monday + timedelta(days=6)


def birthday_year(today: date, day: int, month: int, window: Window) -> int | None:
    """The year of the birthday whose window contains `today`, or None.

    Month: the birthday's month of this year. Week: Monday to Sunday around the birthday, which
    may start in December for a birthday in early January (and the other way round), so the
    birthdays of last, this and next year are all considered."""
    if window == "month":
        return today.year if birthday_in(today.year, day, month).month == today.month else None
    for year in (today.year - 1, today.year, today.year + 1):
        first, last = _week_of(birthday_in(year, day, month))
        if first <= today <= last:
            return year
    return None


def months_to_scan(today: date) -> list[int]:
    """The birth months that may have a window containing some customer's local day when it
    is `today` in the chain's zone: local days differ by at most a day across zones, and a week
    window reaches six days either side."""
    days = (today - timedelta(days=7), today, today + timedelta(days=7))
    return sorted({d.month for d in days})
