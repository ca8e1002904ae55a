"""Option types of the command line: every integer bounded by `cardsvc.core.bounds`, every date
read as a Vietnam-time calendar day; a bad value gets a sentence saying what is allowed."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from cardsvc.core.bounds import EPOCH, Bound

VN = timezone(timedelta(hours=7))  # Vietnam: UTC+7, no daylight saving


def int_in(bound: Bound, *, lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number within `bound` (or the narrower [lo, hi])."""
    low = bound.lo if lo is None else lo
    high = bound.hi if hi is None else hi
    assert bound.lo <= low <= high <= bound.hi

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{value:,} is out of range: from {low:,} to {high:,} ({bound.what})"
            )
        return value

    parse.__name__ = bound.name  # argparse names the type in its messages
    return parse


def _moment(text: str) -> datetime | date:
    text = text.strip()
    try:
        if "T" in text or " " in text:
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=VN)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM (Vietnam time)"
        ) from None


def _epoch(moment: datetime) -> int:
    seconds = int(moment.timestamp())
    if not EPOCH.holds(seconds):
        raise argparse.ArgumentTypeError(f"{moment:%Y-%m-%d} is out of range (1970 to 2106)")
    return seconds


def start_time(text: str) -> int:
    """`--valid-from`: a day (from its first second, Vietnam time), a date-time, or epoch
    seconds."""
    if text.strip().isdigit():
        return int_in(EPOCH)(text)
    moment = _moment(text)
    if isinstance(moment, datetime):
        return _epoch(moment)
    return _epoch(datetime.combine(moment, time(0), VN))


def last_day(text: str) -> int:
    """`--valid-until`: the last valid day, inclusive (valid until the next local midnight),
    an exact date-time, or epoch seconds. Returned as the first second no longer valid."""
    if text.strip().isdigit():
        return int_in(EPOCH)(text)
    moment = _moment(text)
    if isinstance(moment, datetime):
        return _epoch(moment)
    return _epoch(datetime.combine(moment + timedelta(days=1), time(0), VN))


def epoch_or_date(text: str) -> int:
    """Epoch seconds, or a date / date-time in Vietnam time."""
    return start_time(text)


def local_date(epoch: int) -> str:
    """An epoch second as a Vietnam-time date and time, for printing."""
    return datetime.fromtimestamp(epoch, VN).strftime("%Y-%m-%d %H:%M")
