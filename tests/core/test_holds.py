"""Hold, capture (at most what is held) and release, with expiry passed in as time."""

from __future__ import annotations

from cardsvc.core import InstrumentKind, Op, Policy, ResultCode, Transaction
from tests.core.helpers import NOW, STORE, Harness

R = ResultCode
K = InstrumentKind


def _hold(h: Harness, instrument: str, amount: int, ttl: int = 60) -> Transaction:
    tx = h.tx(Op.HOLD, instrument, amount, expires_at=h.now + ttl)
    assert h.one(tx).code is R.OK
    return tx


def test_hold_reserves_without_moving_value() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    held = _hold(h, "c", 600)
    inst = h.state.instruments["c"]
    assert (inst.balance, inst.available(h.now)) == (1000, 400)
    assert [p for p in h.postings if p.tx_id == held.id] == []
    assert h.code(Op.HOLD, "c", 401, expires_at=NOW + 60) is R.INSUFFICIENT_FUNDS


def test_capture_at_most_the_hold_and_closes_it() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    held = _hold(h, "c", 600)
    assert h.code(Op.CAPTURE, "c", 601, ref=held.id) is R.LIMIT_EXCEEDED
    assert h.code(Op.CAPTURE, "c", 0, ref=held.id) is R.INVALID_AMOUNT
    assert h.do(Op.CAPTURE, "c", 450, ref=held.id) == (R.OK, 550)
    assert h.account("settle:" + STORE) == 450
    assert h.state.instruments["c"].holds == {}  # the 150 not taken is free again
    assert h.code(Op.CAPTURE, "c", 1, ref=held.id) is R.HOLD_CLOSED
    assert h.code(Op.RELEASE, "c", ref=held.id) is R.HOLD_CLOSED


def test_release_frees_the_reservation() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    held = _hold(h, "c", 1000)
    assert h.code(Op.REDEEM, "c", 1) is R.INSUFFICIENT_FUNDS
    assert h.do(Op.RELEASE, "c", ref=held.id) == (R.OK, 1000)
    assert h.code(Op.REDEEM, "c", 1000) is R.OK


def test_expiry_is_the_time_passed_in() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    assert h.code(Op.HOLD, "c", 10, expires_at=NOW) is R.HOLD_EXPIRED
    held = _hold(h, "c", 500, ttl=30)
    h.now += 29
    assert h.code(Op.REDEEM, "c", 501) is R.INSUFFICIENT_FUNDS
    h.now += 1
    assert h.code(Op.CAPTURE, "c", 10, ref=held.id) is R.HOLD_EXPIRED
    assert h.code(Op.RELEASE, "c", ref=held.id) is R.HOLD_EXPIRED
    assert h.code(Op.REDEEM, "c", 1000) is R.OK


def test_hold_count_is_bounded_and_lapsed_holds_do_not_count() -> None:
    h = Harness(Policy(max_holds=2))
    h.issue("c", amount=1000)
    _hold(h, "c", 10, ttl=10)
    _hold(h, "c", 10, ttl=100)
    assert h.code(Op.HOLD, "c", 10, expires_at=NOW + 100) is R.TOO_MANY_HOLDS
    h.now += 10
    _hold(h, "c", 10)
    assert len(h.state.instruments["c"].holds) == 2  # the lapsed one was dropped


def test_what_can_be_held() -> None:
    h = Harness()
    h.issue("t", K.ETICKET)
    h.issue("v", K.VOUCHER, 100, uses=1, partial=False)
    h.issue("g", K.GIFT, 100)
    h.issue("m", K.MEMBER, 100)
    for inst, expected in [("t", R.INVALID_OPERATION), ("v", R.INVALID_OPERATION),
                           ("g", R.OK), ("m", R.OK), ("x", R.NOT_FOUND)]:
        assert h.code(Op.HOLD, inst, 10, expires_at=NOW + 5) is expected, inst


def test_single_spend_breakage_cannot_take_held_value() -> None:
    """A hold on a single-spend voucher would let its redemption forfeit held value."""
    h = Harness()
    h.issue("v", K.VOUCHER, 100, partial=False)
    assert h.code(Op.HOLD, "v", 60, expires_at=NOW + 60) is R.INVALID_OPERATION
    assert h.do(Op.REDEEM, "v", 40) == (R.OK, 0)


def test_capture_references() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    h.issue("b", amount=1000)
    held = _hold(h, "a", 100)
    redemption = h.tx(Op.REDEEM, "a", 5)
    h.one(redemption)
    assert h.code(Op.CAPTURE, "a", 5, ref="nope") is R.REFERENCE_NOT_FOUND
    assert h.code(Op.CAPTURE, "a", 5) is R.REFERENCE_NOT_FOUND
    assert h.code(Op.CAPTURE, "a", 5, ref=redemption.id) is R.REFERENCE_MISMATCH
    assert h.code(Op.CAPTURE, "b", 5, ref=held.id) is R.REFERENCE_MISMATCH
    h.do(Op.BLOCK, "a")
    assert h.code(Op.CAPTURE, "a", 5, ref=held.id) is R.INSTRUMENT_BLOCKED
    assert h.code(Op.RELEASE, "a", ref=held.id) is R.OK  # releasing frees, so it is allowed


def test_expire_clears_holds() -> None:
    h = Harness()
    h.issue("g", K.GIFT, 500, valid_until=NOW + 100)
    held = _hold(h, "g", 200, ttl=1000)
    h.now += 100
    assert h.code(Op.EXPIRE, "g") is R.OK
    assert h.state.instruments["g"].holds == {}
    assert h.code(Op.CAPTURE, "g", 10, ref=held.id) is R.HOLD_CLOSED
