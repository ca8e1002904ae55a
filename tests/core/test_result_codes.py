"""Every ResultCode is produced by at least one case of this table, and each case gets its code.

The table is the catalogue of refusals: each row sets up a ledger, sends one last transaction and
names the code it must get. The per-operation test files check the effects of success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from cardsvc.core import (
    Funding,
    InstrumentKind,
    LoyaltyRules,
    Op,
    Policy,
    Result,
    ResultCode,
    Tier,
    Transaction,
)
from cardsvc.core.loyalty_model import Reward
from tests.core.helpers import DAY, NOW, Harness, spec

R = ResultCode
K = InstrumentKind


@dataclass(frozen=True)
class Case:
    name: str
    expected: ResultCode
    scenario: Callable[[Harness], Result]
    policy: Policy = Policy()  # noqa: RUF009 (frozen, so one shared default is safe)


def last(*results: Any) -> Result:
    result = results[-1]
    assert isinstance(result, Result)
    return result


def _at(h: Harness, now: int, result_of: Callable[[], Result]) -> Result:
    h.now = now
    return result_of()


def _hold_then(h: Harness, op: Op, amount: int, *, later: int = 0, **hold: Any) -> Result:
    h.issue("c", amount=1000)
    held = h.tx(Op.HOLD, "c", hold.pop("held", 500), expires_at=NOW + 60, **hold)
    assert h.one(held).code is R.OK
    h.now += later
    return h.do(op, "c", amount, ref=held.id)


def _redeemed(h: Harness, amount: int = 300, **issue: Any) -> Transaction:
    h.issue("c", amount=issue.pop("loaded", 1000), **issue)
    redemption = h.tx(Op.REDEEM, "c", amount)
    assert h.one(redemption).code is R.OK
    return redemption


def _with_rules(h: Harness) -> Result:
    h.state.loyalty["prog"] = (LoyaltyRules("prog", 1, 0),)
    return Result(R.OK)


def _reward(h: Harness, times: int = 1, **item: Any) -> Result:
    tiers = (Tier("member", 0), Tier("gold", 1_000))
    catalog = (Reward("r", "Quà", "Gift", 10, "V", **item),)
    h.state.loyalty["prog"] = (LoyaltyRules("prog", 1, 0, tiers=tiers, rewards=catalog),)
    h.issue("m", K.MEMBER, 100)
    terms = spec(K.VOUCHER, valid_until=NOW + DAY, program="V", max_balance=5, uses=1)
    return last(*(h.do(Op.REWARD, "m", 10, ref="r", counterparty=f"v{n}", spec=terms)
                  for n in range(times)))  # fmt: skip


def _chain_open(h: Harness) -> Result:
    h.issue("c", amount=100)
    return h.run(h.tx(Op.REDEEM, "c", 10, linked=True))[-1]


def _chain_failed(h: Harness) -> Result:
    h.issue("c", amount=100)
    return h.run(h.tx(Op.REDEEM, "c", 10, linked=True), h.tx(Op.REDEEM, "c", 500))[0]


def _resent_changed(h: Harness) -> Result:
    h.issue("c", amount=100)
    first = h.tx(Op.REDEEM, "c", 10)
    h.one(first)
    return h.one(Transaction(first.id, Op.REDEEM, "c", 11, store=first.store))


def _resent(h: Harness) -> Result:
    h.issue("c", amount=100)
    first = h.tx(Op.REDEEM, "c", 10)
    h.one(first)
    return h.one(first)


def _void_refunded(h: Harness) -> Result:
    redemption = _redeemed(h)
    h.do(Op.REFUND, "c", 100, ref=redemption.id)
    return h.do(Op.VOID, "c", ref=redemption.id)


def _void_twice(h: Harness) -> Result:
    redemption = _redeemed(h)
    h.do(Op.VOID, "c", ref=redemption.id)
    return h.do(Op.VOID, "c", ref=redemption.id)


def _expired_hold_dropped(h: Harness) -> Result:
    """A later hold drops the expired one from the list: capturing it is still hold_expired."""
    h.issue("c", amount=1000)
    old = h.tx(Op.HOLD, "c", 100, expires_at=NOW + 10)
    h.one(old)
    h.now += 20
    h.do(Op.HOLD, "c", 100, expires_at=h.now + 60)
    assert old.id not in h.state.instruments["c"].holds
    return h.do(Op.CAPTURE, "c", 50, ref=old.id)


def _void_late(h: Harness) -> Result:
    redemption = _redeemed(h)
    h.now += Policy().void_window_s + 1
    return h.do(Op.VOID, "c", ref=redemption.id)


def _capture_released(h: Harness) -> Result:
    h.issue("c", amount=1000)
    held = h.tx(Op.HOLD, "c", 500, expires_at=NOW + 60)
    h.one(held)
    assert h.do(Op.RELEASE, "c", ref=held.id).code is R.OK
    return h.do(Op.CAPTURE, "c", 5, ref=held.id)


CASES = [
    # --- ok and exactly-once --------------------------------------------------------------
    Case("redeem", R.OK, lambda h: last(h.issue("c", amount=100), h.do(Op.REDEEM, "c", 40))),
    Case("resend", R.EXISTS, _resent),
    Case("resend changed", R.EXISTS_WITH_DIFFERENT_FIELDS, _resent_changed),
    Case("chain member fails", R.LINKED_EVENT_FAILED, _chain_failed),
    Case("chain never closed", R.LINKED_CHAIN_OPEN, _chain_open),
    # --- malformed content ----------------------------------------------------------------
    Case("zero amount", R.INVALID_AMOUNT,
         lambda h: last(h.issue("c", amount=100), h.do(Op.REDEEM, "c", 0))),
    Case("float amount", R.INVALID_AMOUNT,
         lambda h: last(h.issue("c", amount=100), h.do(Op.TOP_UP, "c", 1.5))),  # type: ignore[arg-type]
    Case("op is no Op", R.INVALID_OPERATION,
         lambda h: last(h.issue("c", amount=100), h.do("redeem", "c", 5))),  # type: ignore[arg-type]
    Case("transfer to itself", R.INVALID_OPERATION,
         lambda h: last(h.issue("c", amount=100), h.do(Op.TRANSFER, "c", 5, counterparty="c"))),
    Case("hold a ticket", R.INVALID_OPERATION,
         lambda h: last(h.issue("t", K.ETICKET), h.do(Op.HOLD, "t", 5, expires_at=NOW + 9))),
    Case("issue without spec", R.INVALID_SPEC, lambda h: h.do(Op.ISSUE, "c", 100)),
    Case("issue bad window", R.INVALID_SPEC,
         lambda h: h.do(Op.ISSUE, "c", spec=spec(valid_from=NOW, valid_until=NOW))),
    # --- instruments ----------------------------------------------------------------------
    Case("unknown instrument", R.NOT_FOUND, lambda h: h.do(Op.REDEEM, "nope", 5)),
    Case("issue twice", R.INSTRUMENT_EXISTS,
         lambda h: last(h.issue("c"), h.do(Op.ISSUE, "c", spec=spec()))),
    Case("blocked", R.INSTRUMENT_BLOCKED,
         lambda h: last(h.issue("c", amount=100), h.do(Op.BLOCK, "c"), h.do(Op.REDEEM, "c", 5))),
    Case("before window", R.NOT_YET_VALID,
         lambda h: last(h.issue("v", K.VOUCHER, 100, valid_from=NOW + DAY),
                        h.do(Op.REDEEM, "v", 5))),
    Case("after window", R.EXPIRED,
         lambda h: last(h.issue("v", K.VOUCHER, 100, valid_until=NOW + DAY),
                        _at(h, NOW + DAY, lambda: h.do(Op.REDEEM, "v", 5)))),
    Case("expire early", R.NOT_YET_EXPIRED,
         lambda h: last(h.issue("g", K.GIFT, 100, valid_until=NOW + DAY), h.do(Op.EXPIRE, "g"))),
    Case("wrong store", R.NOT_ACCEPTED_HERE,
         lambda h: last(h.issue("g", K.GIFT, 100, accepted_stores=frozenset({"other"})),
                        h.do(Op.REDEEM, "g", 5))),
    Case("gift not reloadable", R.NOT_RELOADABLE,
         lambda h: last(h.issue("g", K.GIFT, 100), h.do(Op.TOP_UP, "g", 5))),
    Case("points to money", R.UNIT_MISMATCH,
         lambda h: last(h.issue("m", K.MEMBER, 100), h.issue("c"),
                        h.do(Op.TRANSFER, "m", 5, counterparty="c"))),
    # --- value ----------------------------------------------------------------------------
    Case("overspend", R.INSUFFICIENT_FUNDS,
         lambda h: last(h.issue("c", amount=100), h.do(Op.REDEEM, "c", 101))),
    Case("over max balance", R.LIMIT_EXCEEDED,
         lambda h: last(h.issue("c", amount=100, max_balance=150), h.do(Op.TOP_UP, "c", 51))),
    Case("voucher used", R.ALREADY_REDEEMED,
         lambda h: last(h.issue("v", K.VOUCHER, 100, uses=1, partial=False),
                        h.do(Op.REDEEM, "v", 100), h.do(Op.REDEEM, "v", 1))),
    Case("min spend", R.MIN_SPEND_NOT_MET,
         lambda h: last(h.issue("v", K.VOUCHER, 100, min_spend=500),
                        h.do(Op.REDEEM, "v", 50, purchase_amount=499))),
    Case("passback", R.PASSBACK,
         lambda h: last(h.issue("t", K.ETICKET, passback_s=600), h.do(Op.REDEEM, "t"),
                        _at(h, NOW + 599, lambda: h.do(Op.REDEEM, "t")))),
    # --- references -----------------------------------------------------------------------
    Case("refund unknown ref", R.REFERENCE_NOT_FOUND,
         lambda h: last(h.issue("c", amount=100), h.do(Op.REFUND, "c", 5, ref="nope"))),
    Case("refund a top-up", R.REFERENCE_MISMATCH,
         lambda h: last(h.issue("c"), h.do(Op.TOP_UP, "c", 100, id="up"),
                        h.do(Op.REFUND, "c", 5, ref="up"))),
    Case("refund too much", R.REFUND_EXCEEDS_REDEMPTION,
         lambda h: h.do(Op.REFUND, "c", 301, ref=_redeemed(h).id)),
    Case("void twice", R.ALREADY_VOIDED, _void_twice),
    Case("void refunded", R.ALREADY_REFUNDED, _void_refunded),
    Case("void late", R.VOID_NOT_ALLOWED, _void_late),
    Case("capture late", R.HOLD_EXPIRED, lambda h: _hold_then(h, Op.CAPTURE, 100, later=60)),
    Case("capture dropped", R.HOLD_EXPIRED, _expired_hold_dropped),
    Case("capture released", R.HOLD_CLOSED, _capture_released),
    Case("too many holds", R.TOO_MANY_HOLDS,
         lambda h: last(h.issue("c", amount=100),
                        *(h.do(Op.HOLD, "c", 10, expires_at=NOW + 60) for _ in range(3))),
         Policy(max_holds=2)),
    # --- loyalty ----------------------------------------------------------------------------
    Case("purchase without rules", R.NO_LOYALTY_RULES,
         lambda h: last(h.issue("m", K.MEMBER),
                        h.do(Op.PURCHASE, "m", purchase_amount=100_000))),
    Case("expiry with nothing expired", R.NOT_DUE,
         lambda h: last(h.issue("m", K.MEMBER), _with_rules(h),
                        h.do(Op.EXPIRE_POINTS, "m"))),
    Case("points sold for cash", R.POINTS_NOT_FOR_SALE,
         lambda h: last(h.issue("m", K.MEMBER), h.do(Op.TOP_UP, "m", 100))),
    Case("reward for a higher tier", R.TIER_TOO_LOW, lambda h: _reward(h, min_tier="gold")),
    Case("reward limit", R.REWARD_LIMIT_REACHED, lambda h: _reward(h, per_member=1, times=2)),
    Case("reward out of stock", R.OUT_OF_STOCK, lambda h: _reward(h, stock=1, times=2)),
    Case("promotion top-up over max", R.LIMIT_EXCEEDED,
         lambda h: last(h.issue("c", max_balance=10),
                        h.do(Op.TOP_UP, "c", 11, funding=Funding.PROMOTION))),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_gets_its_code(case: Case) -> None:
    result = case.scenario(Harness(case.policy))
    assert result.code is case.expected, result


def test_every_result_code_is_covered() -> None:
    missing = set(ResultCode) - {case.expected for case in CASES}
    assert not missing, f"no case produces {sorted(missing)}"
