"""Issue and top-up: value loaded onto instruments, from cash or promotion, within bounds."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cardsvc.core import (
    AMOUNT_MAX,
    BALANCE_MAX,
    Funding,
    InstrumentKind,
    Op,
    Posting,
    ResultCode,
    Status,
    Unit,
)
from tests.core.helpers import NOW, PROGRAM, STORE, Harness, spec

R = ResultCode
K = InstrumentKind


def test_issue_with_cash_posts_against_the_store_drawer() -> None:
    h = Harness()
    result = h.do(Op.ISSUE, "c1", 50_000, spec=spec(), id="iss")
    assert result == (R.OK, 50_000)
    inst = h.state.instruments["c1"]
    assert (inst.balance, inst.status, inst.issued_at) == (50_000, Status.ACTIVE, NOW)
    assert h.postings == [
        Posting("iss", "i:c1", Unit.VND, 50_000),
        Posting("iss", "cash:" + STORE, Unit.VND, -50_000),
    ]


def test_issue_given_away_is_promotion_expense() -> None:
    h = Harness()
    assert h.code(Op.ISSUE, "m1", 300, spec=spec(K.MEMBER), funding=Funding.PROMOTION) is R.OK
    assert h.account("promo:" + PROGRAM) == -300
    assert h.state.instruments["m1"].unit is Unit.POINTS


def test_issue_without_value_and_uses_copied() -> None:
    h = Harness()
    h.issue("t1", K.ETICKET, uses=3, passback_s=60)
    inst = h.state.instruments["t1"]
    assert (inst.balance, inst.uses_left) == (0, 3)
    assert h.postings == []


@pytest.mark.parametrize(
    ("kind", "fields"),
    [(K.ETICKET, {}), (K.VOUCHER, {"discount_bp": 1000})],
    ids=["ticket", "discount-voucher"],
)
def test_rights_carry_no_value(kind: InstrumentKind, fields: dict[str, Any]) -> None:
    h = Harness()
    assert h.code(Op.ISSUE, "x", 100, spec=spec(kind, **fields)) is R.INVALID_AMOUNT
    assert "x" not in h.state.instruments


@pytest.mark.parametrize(
    ("amount", "max_balance", "expected"),
    [
        (-1, 1000, R.INVALID_AMOUNT),
        (1001, 1000, R.LIMIT_EXCEEDED),
        (AMOUNT_MAX + 1, BALANCE_MAX, R.LIMIT_EXCEEDED),  # one transaction's bound
        (AMOUNT_MAX, BALANCE_MAX, R.OK),
    ],
)
def test_issue_amount_bounds(amount: int, max_balance: int, expected: ResultCode) -> None:
    h = Harness()
    assert h.code(Op.ISSUE, "c", amount, spec=spec(max_balance=max_balance)) is expected


@pytest.mark.parametrize(
    "fields",
    [
        {"max_balance": 0},
        {"max_balance": BALANCE_MAX + 1},
        {"program": ""},
        {"uses": 0},
        {"discount_bp": 10_001},
        {"discount_bp": -1},
        {"discount_cap": -1},
        {"min_spend": -5},
        {"passback_s": -1},
        {"valid_from": NOW, "valid_until": NOW - 1},
        {"max_balance": 10.0},
        {"max_balance": True},
        {"unit": "VND"},
        {"kind": "prepaid"},
        {"reloadable": 1},
        {"accepted_stores": {"s1"}},
        {"accepted_stores": frozenset({1})},
        {"valid_until": "tomorrow"},
    ],
)
def test_issue_refuses_specs_no_program_could_mean(fields: dict[str, Any]) -> None:
    h = Harness()
    bad = replace(spec(), **fields)
    assert h.code(Op.ISSUE, "c", spec=bad) is R.INVALID_SPEC
    assert h.code(Op.ISSUE, "c", spec=replace(spec(K.GIFT), discount_bp=100)) is R.INVALID_SPEC
    assert h.state.instruments == {}


def test_top_up_adds_cash_value() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    assert h.do(Op.TOP_UP, "c", 500) == (R.OK, 1500)
    assert h.account("cash:" + STORE) == -1500


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        (K.PREPAID, {}, R.OK),
        (K.MEMBER, {}, R.POINTS_NOT_FOR_SALE),  # a cash top-up: points are not sold
        (K.GIFT, {"reloadable": True}, R.OK),
        (K.GIFT, {}, R.NOT_RELOADABLE),
        (K.VOUCHER, {}, R.NOT_RELOADABLE),
        (K.ETICKET, {}, R.NOT_RELOADABLE),
    ],
)
def test_top_up_reloadability(
    kind: InstrumentKind, fields: dict[str, Any], expected: ResultCode
) -> None:
    h = Harness()
    h.issue("x", kind, **fields)
    assert h.code(Op.TOP_UP, "x", 10) is expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(0, R.INVALID_AMOUNT), (-5, R.INVALID_AMOUNT), (AMOUNT_MAX + 1, R.LIMIT_EXCEEDED),
     (501, R.LIMIT_EXCEEDED), (500, R.OK)],
)
def test_top_up_amounts(amount: int, expected: ResultCode) -> None:
    h = Harness()
    h.issue("c", amount=500, max_balance=1000)
    assert h.code(Op.TOP_UP, "c", amount) is expected
    assert h.balance("c") == (1000 if expected is R.OK else 500)


def test_top_up_refused_when_blocked_outside_window_or_store() -> None:
    h = Harness()
    h.issue("c", amount=10, valid_from=NOW + 10, valid_until=NOW + 100)
    h.issue("s", amount=10, accepted_stores=frozenset({"other"}))
    assert h.code(Op.TOP_UP, "c", 5) is R.NOT_YET_VALID
    h.now = NOW + 100
    assert h.code(Op.TOP_UP, "c", 5) is R.EXPIRED
    assert h.code(Op.TOP_UP, "s", 5) is R.NOT_ACCEPTED_HERE
    assert h.code(Op.TOP_UP, "s", 5, store="other") is R.OK
    assert h.code(Op.BLOCK, "s") is R.OK
    assert h.code(Op.TOP_UP, "s", 5, store="other") is R.INSTRUMENT_BLOCKED
    assert h.code(Op.TOP_UP, "nope", 5) is R.NOT_FOUND


def test_points_are_never_sold_for_cash() -> None:
    """A cash top-up or a cash-funded issue with value on a points instrument is refused and
    leaves nothing behind; the same value given by the program (promotion) is accepted."""
    h = Harness()
    h.issue("m", K.MEMBER)
    assert h.code(Op.TOP_UP, "m", 100) is R.POINTS_NOT_FOR_SALE
    assert h.code(Op.ISSUE, "m2", 100, spec=spec(K.MEMBER)) is R.POINTS_NOT_FOR_SALE
    assert "m2" not in h.state.instruments and h.balance("m") == 0 and h.postings == []
    assert h.code(Op.TOP_UP, "m", 100, funding=Funding.PROMOTION) is R.OK
    assert h.code(Op.ISSUE, "m3", 50, spec=spec(K.MEMBER), funding=Funding.PROMOTION) is R.OK
    assert h.code(Op.ISSUE, "m4", 0, spec=spec(K.MEMBER)) is R.OK  # an empty card: no sale
    assert h.account("cash:" + STORE) == 0 and h.account("promo:" + PROGRAM) == -150


def test_cash_on_a_vnd_instrument_is_still_a_sale() -> None:
    h = Harness()
    h.issue("c", K.PREPAID, amount=0)
    assert h.code(Op.TOP_UP, "c", 100) is R.OK
    assert h.account("cash:" + STORE) == -100
