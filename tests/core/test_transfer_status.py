"""Transfer (same unit), block / unblock, and expiry to breakage."""

from __future__ import annotations

from cardsvc.core import InstrumentKind, Op, Posting, ResultCode, Status, Unit
from tests.core.helpers import NOW, PROGRAM, Harness

R = ResultCode
K = InstrumentKind


def test_transfer_moves_value_between_instruments() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    h.issue("b", amount=100)
    assert h.do(Op.TRANSFER, "a", 300, counterparty="b", id="t1") == (R.OK, 700)
    assert h.balance("b") == 400
    assert h.postings[-2:] == [
        Posting("t1", "i:b", Unit.VND, 300),
        Posting("t1", "i:a", Unit.VND, -300),
    ]


def test_transfer_refusals() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    h.issue("small", amount=0, max_balance=100)
    h.issue("gift", K.GIFT, 10)
    h.issue("pts", K.MEMBER, 10)
    h.issue("tkt", K.ETICKET)
    cases = [
        ("a", "zz", 10, R.NOT_FOUND),
        ("zz", "a", 10, R.NOT_FOUND),
        ("a", "a", 10, R.INVALID_OPERATION),
        ("a", "tkt", 10, R.INVALID_OPERATION),
        ("a", "pts", 10, R.UNIT_MISMATCH),
        ("a", "gift", 10, R.NOT_RELOADABLE),
        ("a", "small", 101, R.LIMIT_EXCEEDED),
        ("a", "small", 0, R.INVALID_AMOUNT),
        ("gift", "a", 11, R.INSUFFICIENT_FUNDS),
        ("gift", "a", 10, R.OK),
    ]
    for src, dst, amount, expected in cases:
        assert h.code(Op.TRANSFER, src, amount, counterparty=dst) is expected, (src, dst)
    h.do(Op.BLOCK, "small")
    assert h.code(Op.TRANSFER, "a", 1, counterparty="small") is R.INSTRUMENT_BLOCKED


def test_transfer_respects_holds_on_the_source() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    h.issue("b")
    h.do(Op.HOLD, "a", 900, expires_at=NOW + 60)
    assert h.code(Op.TRANSFER, "a", 101, counterparty="b") is R.INSUFFICIENT_FUNDS
    assert h.code(Op.TRANSFER, "a", 100, counterparty="b") is R.OK


def test_block_freezes_and_unblock_restores() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    assert h.do(Op.BLOCK, "c") == (R.OK, 1000)
    assert h.state.instruments["c"].status is Status.BLOCKED
    for op in (Op.REDEEM, Op.TOP_UP):
        assert h.code(op, "c", 10) is R.INSTRUMENT_BLOCKED
    assert h.code(Op.BLOCK, "c") is R.OK  # blocking twice is harmless
    assert h.code(Op.UNBLOCK, "c") is R.OK
    assert h.code(Op.REDEEM, "c", 10) is R.OK
    assert h.code(Op.BLOCK, "zz") is R.NOT_FOUND
    assert h.postings[-2].amount == 10  # status changes post nothing


def test_expire_moves_the_rest_to_breakage() -> None:
    h = Harness()
    h.issue("g", K.GIFT, 700, valid_until=NOW + 100)
    h.issue("forever", amount=5)
    assert h.code(Op.EXPIRE, "forever") is R.NOT_YET_EXPIRED
    assert h.code(Op.EXPIRE, "g") is R.NOT_YET_EXPIRED
    h.now = NOW + 100
    h.do(Op.BLOCK, "g")  # a blocked card still expires
    assert h.do(Op.EXPIRE, "g") == (R.OK, 0)
    assert h.account("breakage:" + PROGRAM) == 700
    assert h.state.instruments["g"].status is Status.EXPIRED
    for op in (Op.EXPIRE, Op.BLOCK, Op.UNBLOCK):
        assert h.code(op, "g") is R.EXPIRED
    assert h.code(Op.REDEEM, "g", 1) is R.EXPIRED
    assert h.code(Op.EXPIRE, "zz") is R.NOT_FOUND


def test_expire_of_an_empty_instrument_posts_nothing() -> None:
    h = Harness()
    h.issue("t", K.ETICKET, valid_until=NOW + 1)
    h.now += 1
    assert h.code(Op.EXPIRE, "t") is R.OK
    assert h.postings == []
