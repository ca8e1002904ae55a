"""How the back office writes numbers, amounts and times: đồng with '.' between thousands,
points in the viewer's language, dates in the business's zone (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cardsvc.protocol.text import dong, grouped

__all__ = ["ZONE", "day", "day_range", "dong", "number", "parse_day", "points", "when"]

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def number(n: int) -> str:
    return grouped(int(n))


def points(n: int, lang: str) -> str:
    """1.200 điểm / 1,200 points."""
    if lang == "en":
        return f"{int(n):,} points"
    return grouped(int(n)) + " điểm"


def amount(n: int, unit: str, lang: str) -> str:
    return dong(int(n)) if unit == "VND" else points(n, lang)


def when(epoch: int | None, lang: str = "vi") -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(int(epoch), ZONE).strftime("%d/%m/%Y %H:%M")


def day(epoch: int) -> str:
    return datetime.fromtimestamp(int(epoch), ZONE).strftime("%d/%m/%Y")


def parse_day(text: str | None) -> date | None:
    """A date picker's value (YYYY-MM-DD), or None when absent or not a date."""
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def start_of(d: date) -> int:
    """The first second of a local day, as epoch seconds."""
    return int(datetime.combine(d, time.min, ZONE).timestamp())


def day_range(first: date, last: date) -> tuple[int, int]:
    """[start of `first`, start of the day after `last`): both days included."""
    return start_of(first), start_of(last + timedelta(days=1))


def today(now: int) -> date:
    return datetime.fromtimestamp(now, ZONE).date()
