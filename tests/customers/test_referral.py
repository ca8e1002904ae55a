"""Referral rewards end to end: a referred customer's first qualifying purchase rewards both
sides once, whatever the runs, retries and late offline syncs; the monthly cap, self-referral
and the refund reversal; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardsvc.customers import referral
from cardsvc.wiring import Ledger
from tests.customers.helpers import card, give, sign_up
from tests.ledger.world import DAY, Till, World, expect

_n = iter(range(10_000_000))


def member(world: World, till: Till, who: dict[str, Any]) -> str:
    instrument = card(till, f"M-{next(_n)}", "MEMBER")
    give(world, who["id"], instrument)
    return instrument


def balance(world: World, instrument: str) -> int:
    return int(expect(world.get(f"/v1/instruments/{instrument}"))["balance"])


def referred_pair(world: World, till: Till) -> tuple[str, str, str]:
    """A referrer with a member card, a referred customer with a member card and a purse."""
    a = sign_up(world, f"0909{next(_n):06d}")
    b = sign_up(world, f"0912{next(_n):06d}", referral_code=a["referral_code"].lower())
    assert b["referred_by"] == a["id"]
    purse = card(till, f"P-{next(_n)}", amount=1_000_000)
    give(world, b["id"], purse)
    return member(world, till, a), member(world, till, b), purse


def configure(ledger: Ledger, **changes: Any) -> None:
    c = ledger.customers
    c.settings = c.settings.model_copy(update=changes)


def test_both_sides_rewarded_once(world: World, till: Till) -> None:
    m_a, m_b, purse = referred_pair(world, till)
    c = world.ledger.customers
    till.do("redeem", purse, 90_000)  # below the minimum purchase
    assert referral.run(c).rewarded == 0
    till.do("redeem", purse, 150_000)
    first = referral.run(c)
    assert first.rewarded == 1 and len(first.keys) == 2
    for _ in range(3):  # any number of further runs
        assert referral.run(c).rewarded == 0
    assert (balance(world, m_a), balance(world, m_b)) == (100, 50)


def test_late_offline_sale_inside_the_window_counts_once(world: World, till: Till) -> None:
    m_a, m_b, purse = referred_pair(world, till)
    c = world.ledger.customers
    sold_at = world.clock() + 29 * DAY  # made offline on day 29 ...
    world.clock.advance(33 * DAY)  # ... reaching the ledger on day 33, after the window
    assert referral.run(c).rewarded == 0
    msg = till.tx("redeem", purse, 200_000, occurred_at=sold_at)
    assert till.send(msg)[0].code == "ok"
    assert till.send(msg)[0].code == "exists"  # the till's retry of the same sale
    assert referral.run(c).rewarded == 1
    assert referral.run(c).rewarded == 0
    assert (balance(world, m_a), balance(world, m_b)) == (100, 50)


def test_a_sale_after_the_window_and_grace_expires_the_referral(world: World, till: Till) -> None:
    _, m_b, purse = referred_pair(world, till)
    c = world.ledger.customers
    world.clock.advance(31 * DAY)
    till.do("redeem", purse, 500_000)
    assert referral.run(c).waiting == 1  # a late sync from the window may still come
    world.clock.advance(7 * DAY)
    assert referral.run(c).expired == 1
    assert balance(world, m_b) == 0


def test_monthly_cap_and_refund_reversal(world: World, till: Till) -> None:
    configure(world.ledger, referral_monthly_cap=1)
    c = world.ledger.customers
    a = sign_up(world, "0909000001")
    m_a = member(world, till, a)
    sale_of, member_of = {}, {}
    for n in range(2):
        b = sign_up(world, f"091200000{n}", referral_code=a["referral_code"])
        purse = card(till, f"PC-{n}", amount=500_000)
        give(world, b["id"], purse)
        member_of[b["id"]] = member(world, till, b)
        sale = till.tx("redeem", purse, 200_000)
        assert till.send(sale)[0].code == "ok"
        sale_of[b["id"]] = sale
    report = referral.run(c)
    assert report.rewarded == 2 and report.capped == 1
    assert balance(world, m_a) == 100  # one referrer reward this month, not two
    assert all(balance(world, m) == 50 for m in member_of.values())
    paid_for = next(k.split(":")[1] for k in report.keys if k.endswith(":referrer"))
    world.clock.advance(3 * DAY)  # inside the 7-day return window
    sale = sale_of[paid_for]
    assert till.do("refund", sale.instrument, 200_000, ref=sale.id).code == "ok"
    assert referral.run(c).reversed == 1
    assert referral.run(c).reversed == 0
    assert balance(world, m_a) == 0 and balance(world, member_of[paid_for]) == 0
    other = next(b for b in member_of if b != paid_for)
    assert balance(world, member_of[other]) == 50


def test_self_referral_with_the_referrers_own_card_is_refused(world: World, till: Till) -> None:
    a = sign_up(world, "0909000001")
    m_a = member(world, till, a)
    body = {"phone": "0912000000", "name": "B", "birth_day": 1, "birth_month": 1,
            "referral_code": a["referral_code"], "instrument": m_a}
    answer = world.post("/v1/customers", body)
    assert answer.status_code == 422 and answer.json()["error"] == "self_referral"
    assert expect(world.get("/v1/customers?phone=0912000000"))["customers"] == []


EVENTS = st.lists(st.sampled_from(["run", "sale", "resend", "late", "small"]), max_size=10)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(events=EVENTS)
def test_referral_pays_exactly_once_under_retries_and_late_syncs(
    world: World, till: Till, events: list[str]
) -> None:
    m_a, m_b, purse = referred_pair(world, till)
    c = world.ledger.customers
    start = world.clock()
    qualifies = False
    last = None
    for event in events:
        if event == "run":
            referral.run(c)
        elif event in ("sale", "small"):
            last = till.tx("redeem", purse, 150_000 if event == "sale" else 1_000)
            till.send(last)
            qualifies |= event == "sale"
        elif event == "resend" and last is not None:
            till.send(last)
        elif event == "late":
            till.send(till.tx("redeem", purse, 120_000, occurred_at=start + DAY))
            qualifies = True
    referral.run(c)
    referral.run(c)
    expected = (100, 50) if qualifies else (0, 0)
    assert (balance(world, m_a), balance(world, m_b)) == expected
