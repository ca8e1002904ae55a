"""Redemption across the instrument kinds: partial spend, single use, discounts, entries."""

from __future__ import annotations

import pytest

from cardsvc.core import InstrumentKind, Op, Posting, ResultCode, Unit
from tests.core.helpers import NOW, PROGRAM, STORE, Harness

R = ResultCode
K = InstrumentKind


def test_prepaid_spend_settles_to_the_store() -> None:
    h = Harness()
    h.issue("c", amount=100_000)
    assert h.do(Op.REDEEM, "c", 30_000, id="r1", store="s9") == (R.OK, 70_000)
    assert h.postings[-2:] == [
        Posting("r1", "settle:s9", Unit.VND, 30_000),
        Posting("r1", "i:c", Unit.VND, -30_000),
    ]
    assert h.code(Op.REDEEM, "c", 70_001) is R.INSUFFICIENT_FUNDS
    assert h.do(Op.REDEEM, "c", 70_000) == (R.OK, 0)


def test_gift_card_partial_spend_until_empty() -> None:
    h = Harness()
    h.issue("g", K.GIFT, 500)
    for left in (400, 200, 0):
        assert h.do(Op.REDEEM, "g", 100 if left == 400 else 200).balance_after == left
    assert h.code(Op.REDEEM, "g", 1) is R.INSUFFICIENT_FUNDS


def test_single_spend_voucher_forfeits_the_rest_to_breakage() -> None:
    h = Harness()
    h.issue("v", K.VOUCHER, 100_000, uses=1, partial=False)
    assert h.do(Op.REDEEM, "v", 30_000) == (R.OK, 0)
    assert h.account("settle:" + STORE) == 30_000
    assert h.account("breakage:" + PROGRAM) == 70_000
    assert h.state.instruments["v"].uses_left == 0
    assert h.code(Op.REDEEM, "v", 1) is R.ALREADY_REDEEMED


def test_limited_use_voucher_counts_uses() -> None:
    h = Harness()
    h.issue("v", K.VOUCHER, 1000, uses=2)
    assert h.code(Op.REDEEM, "v", 100) is R.OK
    assert h.code(Op.REDEEM, "v", 100) is R.OK
    assert h.code(Op.REDEEM, "v", 100) is R.ALREADY_REDEEMED
    assert h.balance("v") == 800


def test_voucher_validity_window() -> None:
    h = Harness()
    h.issue("v", K.VOUCHER, 1000, valid_from=NOW + 10, valid_until=NOW + 20)
    assert h.code(Op.REDEEM, "v", 1) is R.NOT_YET_VALID
    h.now = NOW + 10
    assert h.code(Op.REDEEM, "v", 1) is R.OK
    h.now = NOW + 20
    assert h.code(Op.REDEEM, "v", 1) is R.EXPIRED


@pytest.mark.parametrize(
    ("purchase", "amount", "expected"),
    [
        (200_000, 20_000, R.OK),  # 10 % of the basket
        (200_000, 20_001, R.LIMIT_EXCEEDED),
        (900_000, 50_000, R.OK),  # capped
        (900_000, 50_001, R.LIMIT_EXCEEDED),
        (99_999, 5_000, R.MIN_SPEND_NOT_MET),
        (200_000, 0, R.INVALID_AMOUNT),
        (-1, 5_000, R.INVALID_AMOUNT),
    ],
)
def test_discount_voucher(purchase: int, amount: int, expected: ResultCode) -> None:
    h = Harness()
    h.issue("d", K.VOUCHER, discount_bp=1000, discount_cap=50_000, min_spend=100_000, uses=1)
    result = h.do(Op.REDEEM, "d", amount, purchase_amount=purchase)
    assert result.code is expected
    if expected is R.OK:
        # The program pays the store the discount; the voucher holds no value.
        assert h.account("settle:" + STORE) == amount
        assert h.account("promo:" + PROGRAM) == -amount
        assert h.account("i:d") == 0
        assert h.code(Op.REDEEM, "d", 1, purchase_amount=purchase) is R.ALREADY_REDEEMED
    else:
        assert h.postings == []


def test_eticket_entries_and_anti_passback() -> None:
    h = Harness()
    h.issue("t", K.ETICKET, uses=2, passback_s=600, valid_until=NOW + 10_000)
    assert h.do(Op.REDEEM, "t") == (R.OK, 1)  # balance_after of a ticket: entries left
    h.now += 599
    assert h.code(Op.REDEEM, "t") is R.PASSBACK
    h.now += 1
    assert h.do(Op.REDEEM, "t") == (R.OK, 0)
    h.now += 600
    assert h.code(Op.REDEEM, "t") is R.ALREADY_REDEEMED
    assert h.code(Op.REDEEM, "t", 5) is R.ALREADY_REDEEMED
    assert h.postings == []


def test_eticket_entry_carries_no_amount() -> None:
    h = Harness()
    h.issue("t", K.ETICKET)
    assert h.code(Op.REDEEM, "t", 5) is R.INVALID_AMOUNT
    h.now += 10_000_000
    assert h.code(Op.REDEEM, "t") is R.OK  # no window, no use count: a season pass


def test_member_points_spend() -> None:
    h = Harness()
    h.issue("m", K.MEMBER, 1200)
    assert h.do(Op.REDEEM, "m", 200) == (R.OK, 1000)
    assert h.postings[-2].unit is Unit.POINTS


def test_redeem_respects_holds() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    assert h.code(Op.HOLD, "c", 700, expires_at=NOW + 60) is R.OK
    assert h.code(Op.REDEEM, "c", 301) is R.INSUFFICIENT_FUNDS
    h.now += 60  # the hold lapses: its value is free again
    assert h.code(Op.REDEEM, "c", 1000) is R.OK
