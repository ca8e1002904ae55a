"""Local calendar arithmetic on int epoch seconds, without `datetime` (the core reads no clock
and imports nothing that could): day numbers, civil dates, months and quarters.

A *day number* is the count of local days since 1970-01-01 in a fixed UTC offset. Vietnam has
kept UTC+7 without daylight saving since 1975, so a fixed offset is exact for the chain's
stores; the offset is data in the rules (`utc_offset_s`), not a constant here.
Civil-date conversion: Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
"""

from __future__ import annotations

DAY_S = 86_400


def local_day(at: int, utc_offset_s: int) -> int:
    """The local day number `at` falls on."""
    return (at + utc_offset_s) // DAY_S


def day_start(day: int, utc_offset_s: int) -> int:
    """Epoch seconds of local midnight starting `day`."""
    return day * DAY_S - utc_offset_s


def minute_of_day(at: int, utc_offset_s: int) -> int:
    return (at + utc_offset_s) % DAY_S // 60


def weekday(day: int) -> int:
    """0 Monday .. 6 Sunday (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719_468
    era = (z if z >= 0 else z - 146_096) // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def _days_in_month(y: int, m: int) -> int:
    if m == 12:
        return 31
    return days_from_civil(y, m + 1, 1) - days_from_civil(y, m, 1)


def add_months(day: int, months: int) -> int:
    """The same day of the month `months` later, clamped to the month's end (31 Jan + 1 month
    is 28 or 29 Feb)."""
    y, m, d = civil_from_days(day)
    index = y * 12 + (m - 1) + months
    y2, m2 = divmod(index, 12)
    return days_from_civil(y2, m2 + 1, min(d, _days_in_month(y2, m2 + 1)))


def quarter_end_after(day: int, quarters: int) -> int:
    """The first day after the end of the quarter `quarters` after the one holding `day`
    (quarters=1: end of the following quarter)."""
    y, m, _ = civil_from_days(day)
    index = y * 4 + (m - 1) // 3 + quarters + 1  # the quarter after the last one included
    y2, q2 = divmod(index, 4)
    return days_from_civil(y2, q2 * 3 + 1, 1)


def yyyymmdd(day: int) -> int:
    y, m, d = civil_from_days(day)
    return y * 10_000 + m * 100 + d


def from_yyyymmdd(value: int) -> int:
    return days_from_civil(value // 10_000, value // 100 % 100, value % 100)
