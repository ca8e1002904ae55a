"""`apply` as a whole: exactly once, linked chains, change tracking, malformed input, bounds."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cardsvc.core import BATCH_MAX, Funding, Op, Result, ResultCode, Transaction, apply
from tests.core.helpers import NOW, Harness, spec

R = ResultCode


def test_resend_returns_the_first_result_and_changes_nothing() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    spend = h.tx(Op.REDEEM, "c", 300)
    assert h.one(spend) == (R.OK, 700)
    h.do(Op.REDEEM, "c", 100)
    posted = len(h.postings)
    assert h.one(spend) == (R.EXISTS, 700)  # the balance it first left, not today's
    too_much = h.tx(Op.REDEEM, "c", 10_000)
    assert h.one(too_much).code is R.INSUFFICIENT_FUNDS
    h.do(Op.TOP_UP, "c", 50_000)
    assert h.one(too_much).code is R.INSUFFICIENT_FUNDS  # its first result, not a retry
    assert len(h.postings) == posted + 2
    assert h.balance("c") == 50_600


def test_same_id_other_content_is_refused() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    spend = h.tx(Op.REDEEM, "c", 300)
    h.one(spend)
    for changed in (replace(spend, amount=301), replace(spend, store="s2"),
                    replace(spend, op=Op.TOP_UP), replace(spend, amount=True)):
        assert h.one(changed) == Result(R.EXISTS_WITH_DIFFERENT_FIELDS)
    assert h.balance("c") == 700
    assert h.state.records[spend.id].tx == spend


def test_resend_inside_one_batch() -> None:
    h = Harness()
    h.issue("c", amount=1000)
    spend = h.tx(Op.REDEEM, "c", 300)
    assert h.run(spend, spend, replace(spend, amount=1)) == [
        (R.OK, 700), (R.EXISTS, 700), (R.EXISTS_WITH_DIFFERENT_FIELDS, None)
    ]


def test_linked_chain_applies_all() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    results = h.run(
        h.tx(Op.ISSUE, "b", 0, spec=spec(), linked=True),
        h.tx(Op.TRANSFER, "a", 400, counterparty="b", linked=True),
        h.tx(Op.REDEEM, "b", 100),
    )
    assert [r.code for r in results] == [R.OK] * 3
    assert (h.balance("a"), h.balance("b")) == (600, 300)


def test_linked_chain_is_all_or_nothing() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    h.state.clear_changes()
    chain = [
        h.tx(Op.ISSUE, "b", 0, spec=spec(), linked=True),
        h.tx(Op.TRANSFER, "a", 400, counterparty="b", linked=True),
        h.tx(Op.REDEEM, "b", 401),  # fails: the whole chain must leave no trace
    ]
    after = h.tx(Op.REDEEM, "a", 1)
    results = h.run(*chain, after)
    assert [r.code for r in results] == [
        R.LINKED_EVENT_FAILED, R.LINKED_EVENT_FAILED, R.INSUFFICIENT_FUNDS, R.OK
    ]
    assert "b" not in h.state.instruments
    assert h.balance("a") == 999
    assert [p.tx_id for p in h.postings[-2:]] == [after.id, after.id]
    assert h.state.changed_instruments == {"a"}
    # The failed members are recorded with their failure: resending them gets it back.
    assert list(h.state.new_records) == [tx.id for tx in (*chain, after)]
    assert [r.code for r in h.run(*chain)] == [r.code for r in results[:3]]


def test_chain_with_a_resent_member() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    earlier = h.tx(Op.REDEEM, "a", 100)
    h.one(earlier)
    ok = h.run(replace(earlier, linked=False), h.tx(Op.REDEEM, "a", 1))
    assert [r.code for r in ok] == [R.EXISTS, R.OK]
    linked_resend = h.tx(Op.REDEEM, "a", 5, linked=True)
    failing = h.tx(Op.REDEEM, "a", 10**6)
    assert [r.code for r in h.run(linked_resend, failing)] == [
        R.LINKED_EVENT_FAILED, R.INSUFFICIENT_FUNDS
    ]
    chain = h.run(replace(earlier, linked=True), h.tx(Op.REDEEM, "a", 1))
    # A changed resend (the linked flag differs) fails the chain and keeps its own code.
    assert [r.code for r in chain] == [R.EXISTS_WITH_DIFFERENT_FIELDS, R.LINKED_EVENT_FAILED]


def test_open_chain_is_refused_unrecorded() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    tail = [h.tx(Op.REDEEM, "a", 1, linked=True), h.tx(Op.REDEEM, "a", 2, linked=True)]
    first = h.tx(Op.REDEEM, "a", 3)
    results = h.run(first, *tail)
    assert [r.code for r in results] == [R.OK, R.LINKED_CHAIN_OPEN, R.LINKED_CHAIN_OPEN]
    assert all(tx.id not in h.state.records for tx in tail)
    assert [r.code for r in h.run(*tail[:1], replace(tail[1], linked=False))] == [R.OK, R.OK]


def test_change_tracking_names_what_to_persist() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    spend = h.tx(Op.REDEEM, "a", 100)
    h.one(spend)
    h.state.clear_changes()
    assert (h.state.changed_instruments, h.state.new_records, h.state.changed_records) == (
        set(), {}, set()
    )
    refund = h.tx(Op.REFUND, "a", 40, ref=spend.id)
    h.run(refund, h.tx(Op.REDEEM, "zz", 1))
    assert h.state.changed_instruments == {"a"}
    assert list(h.state.new_records) == [refund.id, "tx-4"]
    assert h.state.changed_records == {spend.id}  # its refunded total moved


def test_failed_transactions_post_nothing() -> None:
    h = Harness()
    h.issue("a", amount=10)
    h.state.clear_changes()
    assert h.code(Op.REDEEM, "a", 11) is R.INSUFFICIENT_FUNDS
    assert h.state.changed_instruments == set()
    assert h.state.records["tx-2"].postings == ()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("id", "", R.INVALID_OPERATION),
        ("id", 7, R.INVALID_OPERATION),
        ("id", ["unhashable"], R.INVALID_OPERATION),
        ("op", "redeem", R.INVALID_OPERATION),
        ("instrument", None, R.INVALID_OPERATION),
        ("amount", True, R.INVALID_AMOUNT),
        ("amount", 5.0, R.INVALID_AMOUNT),
        ("amount", "5", R.INVALID_AMOUNT),
        ("purchase_amount", None, R.INVALID_AMOUNT),
        ("expires_at", 1.5, R.INVALID_AMOUNT),
        ("store", None, R.INVALID_OPERATION),
        ("terminal", b"t", R.INVALID_OPERATION),
        ("ref", 3, R.INVALID_OPERATION),
        ("counterparty", {"x"}, R.INVALID_OPERATION),
        ("funding", "cash", R.INVALID_OPERATION),
        ("spec", "prepaid", R.INVALID_SPEC),
        ("linked", 0, R.INVALID_OPERATION),
    ],
)
def test_wrongly_typed_fields_are_refused_and_not_recorded(
    field: str, value: Any, expected: ResultCode
) -> None:
    h = Harness()
    h.issue("a", amount=1000)
    tx = replace(h.tx(Op.REDEEM, "a", 5), **{field: value})
    assert h.one(tx).code is expected
    assert len(h.state.records) == 1
    assert h.balance("a") == 1000


def test_malformed_member_fails_its_chain() -> None:
    h = Harness()
    h.issue("a", amount=1000)
    good = h.tx(Op.REDEEM, "a", 5, linked=True)
    bad = replace(h.tx(Op.REDEEM, "a", 5), funding="gift")  # type: ignore[arg-type]
    assert [r.code for r in h.run(good, bad)] == [R.LINKED_EVENT_FAILED, R.INVALID_OPERATION]
    assert good.id in h.state.records and bad.id not in h.state.records
    assert h.balance("a") == 1000


def test_batches_and_time_are_bounded_and_typed() -> None:
    h = Harness()
    with pytest.raises(AssertionError):
        apply(h.state, [h.tx(Op.BLOCK, "x")] * (BATCH_MAX + 1), NOW)
    with pytest.raises(AssertionError):
        apply(h.state, [], float(NOW))  # type: ignore[arg-type]


def test_promotion_funding_reaches_the_program() -> None:
    h = Harness()
    h.issue("a")
    assert h.code(Op.TOP_UP, "a", 50, funding=Funding.PROMOTION) is R.OK
    assert h.account("promo:prog") == -50
    assert isinstance(h.state.records["tx-2"].tx, Transaction)
