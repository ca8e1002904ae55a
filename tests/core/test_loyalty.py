"""Loyalty in the core, one rule at a time: earning, exclusions, multipliers, minimum spend and
cap, lots (expiry, pending, soonest-expiring first), spending points as a tender, adjustments,
tiers (upgrade at once, downgrade at review), refunds and voids (clawback, debt)."""

from __future__ import annotations

from cardsvc.core import Funding, InstrumentKind, Multiplier, Op, ResultCode, Unit, tiers
from cardsvc.core.calendar import (
    add_months,
    civil_from_days,
    days_from_civil,
    from_yyyymmdd,
    local_day,
    quarter_end_after,
    weekday,
    yyyymmdd,
)
from tests.core.helpers import PROGRAM, STORE
from tests.core.loyalty_helpers import OFFSET, LoyaltyHarness, local, rules

R = ResultCode
PROMO, BREAKAGE, SETTLE = f"promo:{PROGRAM}", f"breakage:{PROGRAM}", f"settle:{STORE}"


def harness(**fields: object) -> LoyaltyHarness:
    h = LoyaltyHarness(rules(**fields))
    h.now = local(2026, 3, 2)
    h.member_card()
    return h


# --- the calendar ---------------------------------------------------------------------------
def test_civil_dates_round_trip_and_weekdays() -> None:
    for day in range(-800, 40_000, 37):
        assert days_from_civil(*civil_from_days(day)) == day
    assert weekday(days_from_civil(2026, 12, 2)) == 2  # a Wednesday
    assert yyyymmdd(from_yyyymmdd(20280229)) == 20280229


def test_months_clamp_and_quarters_end() -> None:
    assert yyyymmdd(add_months(from_yyyymmdd(20260131), 1)) == 20260228
    assert yyyymmdd(add_months(from_yyyymmdd(20280229), -12)) == 20270228
    assert yyyymmdd(quarter_end_after(from_yyyymmdd(20261115), 1)) == 20270401


def test_local_midnight_is_utc_plus_7() -> None:
    assert local_day(local(2026, 1, 1, 23, 59), OFFSET) + 1 == local_day(local(2026, 1, 2, 0, 0),
                                                                          OFFSET)  # fmt: skip


# --- earning --------------------------------------------------------------------------------
def test_one_point_per_10000_dong_rounded_down_per_receipt() -> None:
    h = harness()
    assert h.buy(129_999) == (R.OK, 12)
    assert h.account(PROMO) == -12
    assert h.buy(9_999).balance_after == 12  # earns nothing, still recorded
    assert h.state.records[h.new_id()[:0] + "tx-3"].loyalty is not None


def test_excluded_lines_and_tenders_earn_nothing() -> None:
    h = harness(excluded_tenders=frozenset({"voucher"}))
    result = h.buy(200_000, excluded=50_000, tenders=(("cash", 100_000), ("voucher", 100_000)))
    assert result == (R.OK, 5)  # 200k - 50k gift cards - 100k paid by voucher = 50k


def test_minimum_spend_and_cap_per_receipt() -> None:
    h = harness(min_spend=100_000, cap_per_receipt=30)
    assert h.buy(99_999).balance_after == 0
    h.buy(1_000_000)
    assert h.balance("m") == 30
    assert h.state.records["tx-3"].loyalty.rules[-1] == "cap"  # type: ignore[union-attr]


def test_multipliers_by_weekday_store_window_dates_and_holidays() -> None:
    tet = days_from_civil(2026, 2, 17)
    march = (days_from_civil(2026, 3, 1), days_from_civil(2026, 3, 31))
    ms = (
        Multiplier("sunday", 20_000, weekdays=frozenset({6})),
        Multiplier("store", 30_000, stores=frozenset({"elsewhere"})),
        Multiplier("happy-hour", 15_000, minutes=(17 * 60, 19 * 60)),
        Multiplier("march", 20_000, days=march),
        Multiplier("tet", 30_000, holidays=True),
    )  # fmt: skip
    h = harness(multipliers=ms, holidays=frozenset({tet}))
    h.now = local(2026, 3, 1, 18, 0)  # a Sunday in March, in the happy hour
    h.buy(100_000)
    names = h.state.records["tx-2"].loyalty.rules  # type: ignore[union-attr]
    assert names == ("v1:base", "sunday", "happy-hour", "march")
    assert h.balance("m") == 10 * 2 * 15 // 10 * 2  # 60
    h.now = local(2026, 2, 17, 19, 0)  # Tết, a Tuesday, just after the happy hour
    h.buy(100_000)
    assert h.state.records["tx-3"].loyalty.rules == ("v1:base", "tet")  # type: ignore[union-attr]


def test_the_version_in_force_when_the_sale_happened_judges_it() -> None:
    old = rules(version=1, effective_from=0, dong_per_point=10_000)
    new = rules(version=2, effective_from=local(2026, 3, 2, 0, 0), dong_per_point=5_000)
    h = LoyaltyHarness(old, new)
    h.now = local(2026, 3, 2, 0, 0)
    h.member_card()
    assert h.buy(100_000).balance_after == 20
    offline = h.buy(100_000, occurred_at=h.now - 1)  # a tap before midnight, synced after
    assert offline.balance_after == 30


def test_a_tier_multiplier_applies_to_its_members() -> None:
    h = harness()
    h.buy(25_000_000)  # -> gold at once
    assert h.member().tier == "gold"
    before = h.balance("m")
    h.buy(100_000)
    assert h.balance("m") - before == 15


# --- lots -----------------------------------------------------------------------------------
def test_lots_expire_12_months_after_the_earning_day_into_breakage() -> None:
    h = harness()
    h.buy(100_000)
    [(expires, available)] = h.member().lots
    assert available == 0 and expires == local(2027, 3, 3, 0, 0)
    h.now = expires - 1
    assert h.code(Op.EXPIRE_POINTS, "m") is R.NOT_DUE
    h.now = expires
    assert h.do(Op.EXPIRE_POINTS, "m") == (R.OK, 0)
    assert h.account(BREAKAGE) == 10 and not h.member().lots


def test_lots_by_quarter_end() -> None:
    h = harness(expiry_quarters=1)
    h.buy(100_000)
    [(expires, _)] = h.member().lots
    assert expires == local(2026, 7, 1, 0, 0)


def test_pending_points_cannot_be_spent_until_the_return_window_passes() -> None:
    h = harness(pending_days=7)
    h.buy(1_000_000)
    [(_, available)] = h.member().lots
    assert available == local(2026, 3, 9, 0, 0)
    assert h.buy(100_000, points=10).code is R.INSUFFICIENT_FUNDS
    h.now = available
    assert h.buy(100_000, points=10).code is R.OK


def test_points_are_spent_soonest_expiring_first() -> None:
    h = harness()
    h.buy(100_000)  # 10 points expiring 2027-03-03
    h.now = local(2026, 6, 1)
    h.buy(200_000)  # 20 points expiring 2027-06-02
    h.now = local(2026, 7, 1)
    assert h.buy(100_000, points=15).code is R.OK
    lots = dict(h.member().lots)
    assert lots.pop((local(2027, 6, 2, 0, 0), 0)) == 15
    assert lots.pop((local(2027, 7, 2, 0, 0), 0)) == 9  # what this purchase earned (98.500 ₫)
    assert not lots
    assert h.account(SETTLE) == 15


def test_points_from_before_the_rules_are_spendable_at_the_first_purchase() -> None:
    """A card that held points before its program had rules (no member state yet): the
    counter shows them spendable, rewards count them, and a purchase can spend them."""
    h = LoyaltyHarness(rules())
    h.now = local(2026, 3, 2)
    h.issue("m", InstrumentKind.MEMBER, 50, max_balance=10**9)
    assert "m" not in h.state.members
    assert h.buy(100_000, points=10, id="first").code is R.OK
    assert h.account(SETTLE) == 10
    assert h.state.instruments["m"].balance == 50 - 10 + h.earned("first")
    more = h.state.instruments["m"].balance + 1
    assert h.buy(10_000_000, points=more).code is R.INSUFFICIENT_FUNDS  # no more than it has


def test_points_pay_at_most_the_programs_share_of_the_bill() -> None:
    h = harness(spend_max_share_bp=5_000, spend_min_points=10)
    h.do(Op.AWARD, "m", 10_000, reason="goodwill")
    assert h.buy(100_000, points=501).code is R.LIMIT_EXCEEDED  # 50.100 ₫ of 100.000 ₫
    assert h.buy(100_000, points=9).code is R.MIN_SPEND_NOT_MET
    assert h.buy(100_000, points=500).code is R.OK  # and the 50.000 ₫ paid in points earn 0
    assert h.earned("tx-5") == 5


# --- adjustments ----------------------------------------------------------------------------
def test_award_and_deduct_need_a_reason_and_take_soonest_expiring_first() -> None:
    h = harness()
    assert h.code(Op.AWARD, "m", 100) is R.INVALID_OPERATION
    assert h.do(Op.AWARD, "m", 100, reason="birthday") == (R.OK, 100)
    assert h.code(Op.DEDUCT, "m", 101, reason="correction") is R.INSUFFICIENT_FUNDS
    assert h.do(Op.DEDUCT, "m", 40, reason="correction") == (R.OK, 60)
    assert h.account(PROMO) == -60


def test_generic_value_operations_refuse_loyalty_points() -> None:
    h = harness()
    h.do(Op.AWARD, "m", 100, reason="goodwill")
    assert h.code(Op.TOP_UP, "m", 10, funding=Funding.PROMOTION) is R.INVALID_OPERATION
    assert h.code(Op.TOP_UP, "m", 10) is R.POINTS_NOT_FOR_SALE  # cash: never sold
    assert h.code(Op.REDEEM, "m", 10) is R.INVALID_OPERATION
    assert h.code(Op.HOLD, "m", 10, expires_at=h.now + 60) is R.INVALID_OPERATION


# --- refunds and voids ----------------------------------------------------------------------
def test_a_refund_claws_back_exactly_what_the_purchase_earned() -> None:
    h = harness()
    sale = h.tx(Op.PURCHASE, "m", purchase_amount=300_000)
    h.one(sale)
    assert h.do(Op.REFUND, "m", 100_000, ref=sale.id) == (R.OK, 20)
    assert h.do(Op.REFUND, "m", 200_000, ref=sale.id) == (R.OK, 0)
    assert h.code(Op.REFUND, "m", 1, ref=sale.id) is R.REFUND_EXCEEDS_REDEMPTION
    assert h.account(PROMO) == 0 and h.member().debt == 0


def test_points_already_spent_become_a_debt_the_next_earning_pays_first() -> None:
    h = harness()
    sale = h.tx(Op.PURCHASE, "m", purchase_amount=1_000_000)
    h.one(sale)  # 100 points
    h.buy(200_000, points=80)  # spends 80 of them, earns 19 into the same day's lot
    h.do(Op.REFUND, "m", 1_000_000, ref=sale.id)  # the lot holds 39: 61 are owed
    assert h.member().debt == 61 and h.balance("m") == 0  # 100 + 19 - 80 - 100 = -61
    h.buy(500_000)  # 50 points: all pay the debt
    assert h.member().debt == 11 and h.balance("m") == 0
    h.buy(200_000)
    assert h.member().debt == 0 and h.balance("m") == 9


def test_debt_is_the_default_and_says_so_on_the_refund() -> None:
    h = harness()
    sale = h.tx(Op.PURCHASE, "m", purchase_amount=1_000_000)
    h.one(sale)  # 100 points
    h.buy(200_000, points=80)  # the lot now holds 39
    refund = h.tx(Op.REFUND, "m", 1_000_000, ref=sale.id)
    h.one(refund)
    done = h.state.records[refund.id].loyalty
    assert done is not None and (done.clawed, done.debt_added, done.cash_deducted) == (39, 61, 0)


def test_deduct_cash_takes_spent_points_from_the_cash_refund() -> None:
    """Under `deduct_cash` the points the member already spent are paid from the refund at the
    point rate (100 ₫ a point here): no debt, the refund result says how much was kept."""
    h = LoyaltyHarness(rules(refund_spent="deduct_cash"))
    h.member_card()
    sale = h.tx(Op.PURCHASE, "m", purchase_amount=1_000_000)
    h.one(sale)  # 100 points
    h.buy(200_000, points=80)  # spends 80, earns 19 into the same lot: it holds 39
    refund = h.tx(Op.REFUND, "m", 1_000_000, ref=sale.id)
    assert h.one(refund) == (R.OK, 0)
    done = h.state.records[refund.id].loyalty
    assert done is not None and (done.clawed, done.debt_added) == (39, 0)
    assert done.cash_deducted == 61 * 100  # 6.100 ₫ kept from the 1.000.000 ₫ refund
    assert h.member().debt == 0 and h.balance("m") == 0
    posted = h.state.records[refund.id].postings
    assert {p.unit for p in posted} == {Unit.POINTS}  # cash is the till's: no đồng posted here


def test_deduct_cash_never_keeps_more_than_the_refund() -> None:
    """Points worth more than the refund's cash (20.000 ₫ a point here): the refund pays for
    the whole points its cash covers, the rest stays a debt."""
    h = LoyaltyHarness(rules(refund_spent="deduct_cash", point_value=20_000))
    h.member_card()
    sale = h.tx(Op.PURCHASE, "m", purchase_amount=1_000_000)
    h.one(sale)  # 100 points
    h.do(Op.DEDUCT, "m", 100, reason="correction")  # none left in the lot
    refund = h.tx(Op.REFUND, "m", 500_000, ref=sale.id)  # claws back 50, all missing
    assert h.one(refund).code is R.OK
    done = h.state.records[refund.id].loyalty
    assert done is not None and done.clawed == 0
    assert (done.cash_deducted, done.debt_added) == (500_000, 25)  # 25 points paid, 25 owed
    assert h.member().debt == 25


def test_a_void_returns_spent_points_to_their_lots() -> None:
    h = harness()
    h.buy(1_000_000)
    spend = h.tx(Op.PURCHASE, "m", 30, purchase_amount=100_000)
    h.one(spend)
    assert h.do(Op.VOID, "m", ref=spend.id) == (R.OK, 100)
    assert h.code(Op.VOID, "m", ref=spend.id) is R.ALREADY_VOIDED


# --- tiers ----------------------------------------------------------------------------------
def test_upgrade_at_the_exact_threshold_and_not_below_it() -> None:
    h = harness()
    h.buy(4_999_999)
    assert h.member().tier == "member"
    h.buy(1)
    assert h.member().tier == "silver"
    assert [c.to_tier for c in h.state.tier_changes] == ["silver"]


def test_downgrade_only_at_the_review_date() -> None:
    h = harness()
    h.buy(20_000_000)
    member = h.member()
    assert member.tier == "gold" and member.review_at == local(2027, 3, 2, 0, 0)
    h.now = local(2027, 3, 1, 23, 59)
    assert h.code(Op.TIER_REVIEW, "m") is R.NOT_DUE
    h.now = local(2027, 3, 2, 0, 0)  # the 12 months after 2026-03-02 end at midnight
    assert h.code(Op.TIER_REVIEW, "m") is R.OK
    assert member.tier == "member" and member.review_at is None


def test_a_refund_undoes_the_upgrade_its_purchase_earned() -> None:
    h = harness()
    sale = h.tx(Op.PURCHASE, "m", purchase_amount=20_000_000)
    h.one(sale)
    h.do(Op.REFUND, "m", 16_000_000, ref=sale.id)
    assert h.member().tier == "member"
    assert [c.reason for c in h.state.tier_changes] == ["upgrade", "refund"]


def test_the_rolling_year_turns_at_local_midnight() -> None:
    h = harness()
    h.now = local(2026, 3, 2, 23, 59) + 59  # 23:59:59 in Ho Chi Minh City
    h.buy(3_000_000)
    h.now = local(2026, 3, 3, 0, 0)  # one second later: the next local day
    h.buy(2_000_000)
    member = h.member()
    assert member.tier == "silver" and len(member.days) == 2
    year = h.state.loyalty["prog"][0]
    # The rolling 12 months on 2027-03-01 are 2026-03-02 .. 2027-03-01; a day later the
    # window starts on 2026-03-03: the 23:59:59 sale left it at local midnight.
    assert tiers.qualifying(member, year, local(2027, 3, 1, 23, 59) + 59) == 5_000_000
    assert tiers.qualifying(member, year, local(2027, 3, 2, 0, 0)) == 2_000_000
