"""Rewards bought with points: one transaction spends the points soonest-expiring first and
issues the voucher, or does neither; tier, limit, stock and points refusals are codes."""

from __future__ import annotations

from typing import Any

from cardsvc.core import InstrumentKind, InstrumentSpec, Op, Result, ResultCode, Unit
from cardsvc.core.loyalty_model import Reward
from tests.core.helpers import DAY, NOW, PROGRAM
from tests.core.loyalty_helpers import LoyaltyHarness, rules

R = ResultCode
COFFEE = Reward("coffee", "Cà phê miễn phí", "Free coffee", 300, "CAFE-50K", per_member=2,
                stock=3)  # fmt: skip
LOUNGE = Reward("lounge", "Phòng chờ", "Lounge", 100, "LOUNGE", min_tier="silver")
GOLDV = Reward("gold-v", "Phiếu hạng Vàng", "Gold voucher", 100, "GOLD-V")  # a gold-only campaign
CATALOG = rules(rewards=(COFFEE, LOUNGE, GOLDV))


def voucher_spec(campaign: str, value: int = 50_000, **fields: Any) -> InstrumentSpec:
    fields.setdefault("valid_until", NOW + 90 * DAY)
    return InstrumentSpec(InstrumentKind.VOUCHER, Unit.VND, campaign, partial=False,
                          max_balance=value, uses=1, **fields)  # fmt: skip


def harness() -> LoyaltyHarness:
    h = LoyaltyHarness(CATALOG)
    h.member_card()
    return h


def buy(h: LoyaltyHarness, item: Reward, voucher: str, member: str = "m", **fields: Any) -> Result:
    fields.setdefault("spec", voucher_spec(item.campaign))
    fields.setdefault("ref", item.id)
    return h.do(Op.REWARD, member, fields.pop("points", item.points), counterparty=voucher,
                **fields)  # fmt: skip


def test_a_reward_spends_soonest_expiring_points_and_issues_the_voucher() -> None:
    h = harness()
    h.do(Op.AWARD, "m", 200, reason="goodwill")  # expires in 12 months
    h.now += 40 * DAY
    h.do(Op.AWARD, "m", 500, reason="goodwill")  # expires 40 days later
    first = min(h.member().lots)
    assert buy(h, COFFEE, "V-1", id="rw-1") == (R.OK, 400)
    lots = h.member().lots
    assert first not in lots and sum(lots.values()) == 400  # the sooner lot went first
    voucher = h.state.instruments["V-1"]
    assert (voucher.balance, voucher.spec.program, voucher.uses_left) == (50_000, "CAFE-50K", 1)
    done = h.state.records["rw-1"].loyalty
    assert done is not None and done.voucher == "V-1" and done.rules == ("coffee",)
    assert sum(n for _, _, n in done.spent) == 300
    posted = {(p.account, p.unit): p.amount for p in h.state.records["rw-1"].postings}
    assert posted == {
        ("promo:" + PROGRAM, Unit.POINTS): 300,
        ("i:m", Unit.POINTS): -300,
        ("i:V-1", Unit.VND): 50_000,
        ("promo:CAFE-50K", Unit.VND): -50_000,
    }
    assert h.state.reward_counts[("CAFE-50K", "coffee", "m")] == 1


def test_a_resend_is_answered_once() -> None:
    h = harness()
    h.do(Op.AWARD, "m", 1_000, reason="goodwill")
    tx = h.tx(Op.REWARD, "m", 300, ref="coffee", counterparty="V-1",
              spec=voucher_spec("CAFE-50K"))  # fmt: skip
    assert h.one(tx) == (R.OK, 700)
    assert h.one(tx) == (R.EXISTS, 700)
    assert h.balance("m") == 700 and h.state.reward_counts[("CAFE-50K", "coffee", "")] == 1


def test_refusals_change_nothing() -> None:
    h = harness()
    h.do(Op.AWARD, "m", 250, reason="goodwill")
    assert buy(h, COFFEE, "V-1").code is R.INSUFFICIENT_FUNDS
    assert buy(h, LOUNGE, "V-2").code is R.TIER_TOO_LOW
    assert buy(h, GOLDV, "V-3").code is R.TIER_TOO_LOW  # a tier-only campaign's voucher
    assert buy(h, COFFEE, "V-4", ref="tea").code is R.REFERENCE_NOT_FOUND
    assert buy(h, COFFEE, "V-5", points=250).code is R.INVALID_AMOUNT  # not the price
    assert buy(h, COFFEE, "V-6", spec=voucher_spec("OTHER")).code is R.REFERENCE_MISMATCH
    assert buy(h, COFFEE, "V-7", spec=None).code is R.INVALID_SPEC
    late = voucher_spec("CAFE-50K", valid_until=NOW)  # the campaign's vouchers have expired
    assert buy(h, COFFEE, "V-8", points=300, spec=late).code is R.EXPIRED
    assert buy(h, LOUNGE, "m").code is R.INVALID_OPERATION  # the voucher is not the card
    assert h.balance("m") == 250 and not h.state.reward_counts
    assert not any(i.startswith("V-") for i in h.state.instruments)


def test_the_tier_opens_locked_rewards() -> None:
    h = harness()
    h.do(Op.AWARD, "m", 1_000, reason="goodwill")
    h.buy(20_000_000)  # gold at once
    assert h.member().tier == "gold"
    assert buy(h, LOUNGE, "V-1").code is R.OK
    assert buy(h, GOLDV, "V-2").code is R.OK


def test_per_member_limit_and_stock() -> None:
    h = harness()
    h.member_card("m2")
    h.do(Op.AWARD, "m", 5_000, reason="goodwill")
    h.do(Op.AWARD, "m2", 5_000, reason="goodwill")
    assert buy(h, COFFEE, "V-1").code is R.OK
    assert buy(h, COFFEE, "V-2").code is R.OK
    assert buy(h, COFFEE, "V-3").code is R.REWARD_LIMIT_REACHED
    assert buy(h, COFFEE, "V-4", member="m2").code is R.OK
    assert buy(h, COFFEE, "V-5", member="m2").code is R.OUT_OF_STOCK  # 3 in stock
    assert h.balance("m") == 4_400 and h.balance("m2") == 4_700


def test_a_failed_chain_gives_its_reward_back() -> None:
    h = harness()
    h.do(Op.AWARD, "m", 1_000, reason="goodwill")
    tx = h.tx(Op.REWARD, "m", 300, ref="coffee", counterparty="V-1",
              spec=voucher_spec("CAFE-50K"), linked=True)  # fmt: skip
    codes = [r.code for r in h.run(tx, h.tx(Op.REDEEM, "nope", 5))]
    assert codes == [R.LINKED_EVENT_FAILED, R.NOT_FOUND]
    assert h.balance("m") == 1_000 and "V-1" not in h.state.instruments
    assert h.state.reward_counts.get(("CAFE-50K", "coffee", "m"), 0) == 0


def test_a_reward_is_neither_refunded_nor_voided() -> None:
    h = harness()
    h.do(Op.AWARD, "m", 1_000, reason="goodwill")
    assert buy(h, COFFEE, "V-1", id="rw").code is R.OK
    assert h.code(Op.REFUND, "m", 300, ref="rw") is R.REFERENCE_MISMATCH
    assert h.code(Op.VOID, "m", ref="rw") is R.REFERENCE_MISMATCH
