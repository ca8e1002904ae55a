"""Refunds (against a redemption, never more than it) and voids (exact reversal, in policy)."""

from __future__ import annotations

from cardsvc.core import InstrumentKind, Op, Policy, ResultCode
from tests.core.helpers import NOW, PROGRAM, STORE, Harness
from tests.core.helpers import spec as h_spec

R = ResultCode
K = InstrumentKind


def _redeem(h: Harness, instrument: str, amount: int, **fields: object) -> str:
    tx = h.tx(Op.REDEEM, instrument, amount, **fields)
    assert h.one(tx).code is R.OK
    return tx.id


def test_refunds_up_to_the_redemption_in_parts() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    r = _redeem(h, "c", 600)
    assert h.do(Op.REFUND, "c", 200, ref=r) == (R.OK, 600)
    assert h.do(Op.REFUND, "c", 400, ref=r) == (R.OK, 1000)
    assert h.code(Op.REFUND, "c", 1, ref=r) is R.REFUND_EXCEEDS_REDEMPTION
    assert h.account("settle:" + STORE) == 0
    assert h.state.records[r].refunded == 600


def test_single_spend_refund_is_limited_to_what_the_store_got() -> None:
    h = Harness()
    h.issue("v", K.VOUCHER, 1000, uses=1, partial=False)
    r = _redeem(h, "v", 300)  # 700 forfeited to breakage
    assert h.code(Op.REFUND, "v", 301, ref=r) is R.REFUND_EXCEEDS_REDEMPTION
    assert h.code(Op.REFUND, "v", 300, ref=r) is R.OK
    assert h.account("breakage:" + PROGRAM) == 700


def test_refund_references_must_match() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    h.issue("b", amount=1000)
    h.issue("t", K.ETICKET)
    r = _redeem(h, "a", 100)
    entry = _redeem(h, "t", 0)
    failed = h.tx(Op.REDEEM, "a", 10**6)
    assert h.one(failed).code is R.INSUFFICIENT_FUNDS
    assert h.code(Op.REFUND, "b", 10, ref=r) is R.REFERENCE_MISMATCH
    assert h.code(Op.REFUND, "t", 10, ref=entry) is R.REFERENCE_MISMATCH
    assert h.code(Op.REFUND, "a", 10, ref=failed.id) is R.REFERENCE_NOT_FOUND
    assert h.code(Op.REFUND, "a", 10) is R.REFERENCE_NOT_FOUND
    assert h.code(Op.REFUND, "a", 0, ref=r) is R.INVALID_AMOUNT


def test_refund_respects_max_balance_and_status() -> None:
    h = Harness()
    h.issue("c", amount=1000, max_balance=1000)
    r = _redeem(h, "c", 500)
    h.do(Op.TOP_UP, "c", 500)
    assert h.code(Op.REFUND, "c", 1, ref=r) is R.LIMIT_EXCEEDED
    _redeem(h, "c", 100)
    h.do(Op.BLOCK, "c")
    assert h.code(Op.REFUND, "c", 1, ref=r) is R.INSTRUMENT_BLOCKED


def test_refund_of_a_capture() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    hold = h.tx(Op.HOLD, "c", 400, expires_at=NOW + 60)
    h.one(hold)
    cap = h.tx(Op.CAPTURE, "c", 250, ref=hold.id)
    assert h.one(cap).code is R.OK
    assert h.code(Op.REFUND, "c", 251, ref=cap.id) is R.REFUND_EXCEEDS_REDEMPTION
    assert h.do(Op.REFUND, "c", 250, ref=cap.id) == (R.OK, 1000)


def test_void_reverses_exactly_and_only_once() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    up = h.tx(Op.TOP_UP, "c", 500)
    h.one(up)
    before = list(h.postings)
    assert h.do(Op.VOID, "c", ref=up.id, id="v1") == (R.OK, 1000)
    reversal = h.postings[len(before):]
    assert [(p.account, p.amount) for p in reversal] == [
        (p.account, -p.amount) for p in before if p.tx_id == up.id
    ]
    assert all(p.tx_id == "v1" for p in reversal)
    assert h.code(Op.VOID, "c", ref=up.id) is R.ALREADY_VOIDED
    r = _redeem(h, "c", 100)
    assert h.code(Op.VOID, "c", ref=r) is R.OK
    assert h.code(Op.REFUND, "c", 1, ref=r) is R.ALREADY_VOIDED


def test_void_policy_window_and_store() -> None:
    h = Harness(Policy(void_window_s=60))
    h.issue("c", amount=1000)
    r = _redeem(h, "c", 100)
    assert h.code(Op.VOID, "c", ref=r, store="elsewhere") is R.VOID_NOT_ALLOWED
    h.now += 61
    assert h.code(Op.VOID, "c", ref=r) is R.VOID_NOT_ALLOWED
    h.now -= 1
    assert h.code(Op.VOID, "c", ref=r) is R.OK


def test_void_needs_the_value_back_and_room_for_it() -> None:
    h = Harness()
    h.issue("c", amount=0, max_balance=1000)
    up = h.tx(Op.TOP_UP, "c", 800)
    h.one(up)
    _redeem(h, "c", 500)
    assert h.code(Op.VOID, "c", ref=up.id) is R.INSUFFICIENT_FUNDS  # already spent
    r = _redeem(h, "c", 300)
    h.do(Op.TOP_UP, "c", 1000)
    assert h.code(Op.VOID, "c", ref=r) is R.LIMIT_EXCEEDED  # would exceed the maximum


def test_void_of_a_refund_reopens_the_redemption() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    r = _redeem(h, "c", 400)
    refund = h.tx(Op.REFUND, "c", 400, ref=r)
    h.one(refund)
    assert h.code(Op.VOID, "c", ref=r) is R.ALREADY_REFUNDED
    assert h.do(Op.VOID, "c", ref=refund.id) == (R.OK, 600)
    assert h.state.records[r].refunded == 0
    assert h.code(Op.VOID, "c", ref=r) is R.OK
    assert h.balance("c") == 1000


def test_void_gives_uses_back() -> None:
    h = Harness()
    h.issue("v", K.VOUCHER, 1000, uses=1, partial=False)
    h.issue("t", K.ETICKET, uses=1)
    h.issue("d", K.VOUCHER, discount_bp=500, uses=1)
    voided = [_redeem(h, "v", 100), _redeem(h, "t", 0), _redeem(h, "d", 50, purchase_amount=1000)]
    for ref, inst in zip(voided, "vtd", strict=True):
        assert h.code(Op.VOID, inst, ref=ref) is R.OK
        assert h.state.instruments[inst].uses_left == 1
    assert h.balance("v") == 1000
    assert h.account("breakage:" + PROGRAM) == 0
    assert h.account("promo:" + PROGRAM) == 0


def test_void_of_a_transfer() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    h.issue("b")
    t = h.tx(Op.TRANSFER, "a", 300, counterparty="b")
    h.one(t)
    assert h.code(Op.VOID, "b", ref=t.id) is R.REFERENCE_MISMATCH  # named by its source
    h.do(Op.BLOCK, "b")
    assert h.code(Op.VOID, "a", ref=t.id) is R.INSTRUMENT_BLOCKED
    h.do(Op.UNBLOCK, "b")
    assert h.do(Op.VOID, "a", ref=t.id) == (R.OK, 1000)
    assert h.balance("b") == 0


def test_void_refused_once_expired() -> None:
    h = Harness()
    h.issue("g", K.GIFT, 1000, valid_until=NOW + 100)
    r = _redeem(h, "g", 100)
    h.now += 100
    assert h.code(Op.EXPIRE, "g") is R.OK
    assert h.code(Op.VOID, "g", ref=r) is R.EXPIRED
    assert h.balance("g") == 0


def test_void_of_what_cannot_be_voided() -> None:
    h = Harness()
    assert h.code(Op.ISSUE, "c", 100, id="bad-issue") is R.INVALID_SPEC  # no spec
    h.do(Op.ISSUE, "c", 100, id="issue", spec=h_spec())
    assert h.code(Op.VOID, "c", ref="bad-issue") is R.REFERENCE_NOT_FOUND  # it failed
    assert h.code(Op.VOID, "c", ref="issue") is R.REFERENCE_MISMATCH  # issues are not voided
