"""The pure rules under hypothesis: birthdays once a year across zones and leap years,
referral decisions whatever order purchases arrive in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardsvc.customers.birthdays import (
    birthday_in,
    birthday_year,
    local_day,
    months_to_scan,
    valid_birthday,
)
from cardsvc.customers.referral_rules import Purchase, Refund, Terms, decide, qualifying

DAY = 86_400
ZONES = ["Asia/Ho_Chi_Minh", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London", "UTC"]
BIRTHDAYS = st.tuples(st.integers(1, 12), st.integers(1, 31)).filter(
    lambda md: valid_birthday(md[1], md[0], None, date(2030, 1, 1)))


def test_leap_day_birthdays_are_kept_on_28_february() -> None:
    assert birthday_in(2027, 29, 2) == date(2027, 2, 28)
    assert birthday_in(2028, 29, 2) == date(2028, 2, 29)
    assert birthday_year(date(2027, 2, 28), 29, 2, "month") == 2027
    # 28 February 2027 is a Sunday: its week is 22-28 February.
    assert birthday_year(date(2027, 2, 22), 29, 2, "week") == 2027
    assert birthday_year(date(2027, 3, 1), 29, 2, "week") is None


@pytest.mark.parametrize(("day", "month", "year", "ok"), [
    (29, 2, None, True), (29, 2, 2024, True), (29, 2, 2023, False), (31, 4, None, False),
    (1, 13, None, False), (1, 1, 1899, False), (1, 1, 2031, False),
])  # fmt: skip
def test_valid_birthdays(day: int, month: int, year: int | None, ok: bool) -> None:
    assert valid_birthday(day, month, year, date(2030, 6, 1)) is ok


@given(md=BIRTHDAYS, year=st.integers(2024, 2031), window=st.sampled_from(["month", "week"]))
def test_each_year_has_exactly_one_birthday_window(md: tuple[int, int], year: int,
                                                   window: str) -> None:  # fmt: skip
    """Over the days of a year's birthday, plus a margin, the window names that year's
    birthday and no other: one reward per year, whatever day the run happens on."""
    month, day = md
    kept = birthday_in(year, day, month)
    days = [kept + timedelta(days=d) for d in range(-40, 41)]
    years = {birthday_year(d, day, month, window) for d in days} - {None}  # type: ignore[arg-type]
    assert year in years
    assert birthday_year(kept, day, month, window) == year  # type: ignore[arg-type]
    assert years == {year}


@given(st.integers(1_700_000_000, 1_950_000_000), st.sampled_from(ZONES), BIRTHDAYS,
       st.sampled_from(["month", "week"]))
def test_the_run_scans_every_month_a_local_birthday_can_fall_in(
    now: int, zone: str, md: tuple[int, int], window: str
) -> None:
    month, day = md
    chain_today = local_day(now, "Asia/Ho_Chi_Minh")
    if birthday_year(local_day(now, zone), day, month, window) is not None:  # type: ignore[arg-type]
        assert month in months_to_scan(chain_today)


def test_local_day_follows_the_zone() -> None:
    now = int(datetime(2027, 3, 13, 20, 0, tzinfo=UTC).timestamp())
    assert local_day(now, "Asia/Ho_Chi_Minh") == date(2027, 3, 14)
    assert local_day(now, "Pacific/Pago_Pago") == date(2027, 3, 13)


TERMS = Terms(min_purchase=100_000, within_s=30 * DAY, return_window_s=7 * DAY, monthly_cap=2,
              sync_grace_s=7 * DAY)
PURCHASES = st.lists(st.builds(Purchase, tx_id=st.text("abcdef", min_size=1, max_size=4),
                               at=st.integers(0, 60 * DAY), amount=st.integers(0, 300_000)),
                     max_size=8, unique_by=lambda p: p.tx_id)  # fmt: skip


@given(PURCHASES, st.randoms())
def test_the_qualifying_purchase_does_not_depend_on_arrival_order(
    purchases: list[Purchase], rnd: object
) -> None:
    shuffled = list(purchases)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert qualifying(0, purchases, TERMS) == qualifying(0, shuffled, TERMS)
    found = qualifying(0, purchases, TERMS)
    if found is not None:
        assert found.amount >= TERMS.min_purchase and 0 <= found.at < TERMS.within_s


@given(PURCHASES, st.integers(0, 5), st.integers(0, 90 * DAY))
def test_decisions(purchases: list[Purchase], paid: int, now: int) -> None:
    d = decide("pending", 0, None, purchases, [], paid, now, TERMS)
    if qualifying(0, purchases, TERMS) is not None:
        assert d.action == "reward" and d.referrer_rewarded == (paid < TERMS.monthly_cap)
    else:
        assert d.action == ("expire" if now >= 37 * DAY else "wait")
    assert decide("expired", 0, None, purchases, [], paid, now, TERMS).action == "wait"


def test_refund_within_the_return_window_reverses() -> None:
    bought = Purchase("t1", 5 * DAY, 150_000)
    inside = decide("rewarded", 0, "t1", [bought], [Refund("t1", 11 * DAY)], 0, 20 * DAY, TERMS)
    assert inside.action == "reverse"
    late = decide("rewarded", 0, "t1", [bought], [Refund("t1", 13 * DAY)], 0, 20 * DAY, TERMS)
    assert late.action == "wait"
    other = decide("rewarded", 0, "t1", [bought], [Refund("t2", 6 * DAY)], 0, 20 * DAY, TERMS)
    assert other.action == "wait"
