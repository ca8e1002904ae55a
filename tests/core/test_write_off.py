"""Writing off the difference between a purse card and the ledger: the balance moves to the
card's value against the program's write-off account, balanced, and only when the amount is
the difference still standing."""

from __future__ import annotations

from cardsvc.core import InstrumentKind, Op, ResultCode
from tests.core.helpers import NOW, PROGRAM, Harness

R = ResultCode
WRITEOFF = f"writeoff:{PROGRAM}"


def test_card_holding_more_raises_the_balance_as_a_loss() -> None:
    h = Harness()
    h.issue("c", amount=50_000)
    result = h.do(Op.WRITE_OFF, "c", 20_000, purchase_amount=70_000, reason="torn credit")
    assert result.code is R.OK and result.balance_after == 70_000
    assert h.balance("c") == 70_000
    assert h.account(WRITEOFF) == -20_000  # the scheme's loss, the other side of the liability


def test_card_holding_less_lowers_the_balance_as_a_gain() -> None:
    h = Harness()
    h.issue("c", amount=50_000)
    assert h.code(Op.WRITE_OFF, "c", 8_000, purchase_amount=42_000) is R.OK
    assert h.balance("c") == 42_000
    assert h.account(WRITEOFF) == 8_000


def test_a_balance_that_moved_since_is_refused_and_nothing_moves() -> None:
    h = Harness()
    h.issue("c", amount=50_000)
    assert h.code(Op.REDEEM, "c", 1_000) is R.OK
    assert h.code(Op.WRITE_OFF, "c", 20_000, purchase_amount=70_000) is R.INVALID_AMOUNT
    assert h.balance("c") == 49_000 and h.account(WRITEOFF) == 0


def test_a_blocked_card_is_written_off_an_expired_one_is_not() -> None:
    h = Harness()
    h.issue("c", amount=10_000)
    h.issue("x", amount=10_000, valid_until=NOW + 10)
    assert h.code(Op.BLOCK, "c") is R.OK
    assert h.code(Op.WRITE_OFF, "c", 5_000, purchase_amount=5_000) is R.OK
    h.now = NOW + 11
    assert h.code(Op.EXPIRE, "x") is R.OK
    assert h.code(Op.WRITE_OFF, "x", 5_000, purchase_amount=5_000) is R.EXPIRED


def test_refusals() -> None:
    h = Harness()
    h.issue("c", amount=10_000, max_balance=20_000)
    h.issue("e", InstrumentKind.ETICKET, uses=2)
    assert h.code(Op.WRITE_OFF, "nope", 1, purchase_amount=1) is R.NOT_FOUND
    assert h.code(Op.WRITE_OFF, "e", 1, purchase_amount=1) is R.INVALID_OPERATION
    assert h.code(Op.WRITE_OFF, "c", 0, purchase_amount=10_000) is R.INVALID_AMOUNT
    assert h.code(Op.WRITE_OFF, "c", 15_000, purchase_amount=25_000) is R.LIMIT_EXCEEDED
    assert h.code(Op.HOLD, "c", 6_000, expires_at=NOW + 60) is R.OK
    assert h.code(Op.WRITE_OFF, "c", 5_000, purchase_amount=5_000) is R.INSUFFICIENT_FUNDS
    assert h.balance("c") == 10_000
