"""A member's refund under the program's `deduct_cash`: the refund's result and its receipt say
how much of the cash refund is kept for points the member had already spent, in both
languages."""

from __future__ import annotations

import pytest

from reader_agent import contract as c
from terminals.counter.outcomes import from_answer
from terminals.counter.receipt_view import layout

from .conftest import counter_settings

KEPT = {"vi": ("Trừ vào tiền hoàn (điểm đã dùng)", "6.100 ₫"),
        "en": ("Kept from the refund (points already spent)", "6.100 ₫")}  # fmt: skip


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_refund_result_shows_the_cash_kept(lang: str) -> None:
    loyalty = {"clawed": 39, "debt_added": 0, "cash_deducted": 6_100, "tier": "member"}
    answer = c.OperationResult(code="ok", op="refund", mode="online", amount=1_000_000,
                               tx_id="T1-9", ok=True, unit="PTS", loyalty=loyalty)  # fmt: skip
    assert KEPT[lang] in from_answer(lang, answer).rows
    plain = answer.model_copy(update={"loyalty": {**loyalty, "cash_deducted": 0}})
    assert KEPT[lang] not in from_answer(lang, plain).rows  # debt: nothing is kept


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_refund_receipt_prints_the_cash_kept(lang: str) -> None:
    receipt = c.Receipt(tx_id="T1-9", number="S1-QUAY1-000009", short="000009", op="refund",
                        instrument="card-04A1", amount=1_000_000, ref="T1-7", state="done",
                        code="ok", at=1_790_000_000, cash_deducted=6_100)  # fmt: skip
    printed = layout(lang, receipt, counter_settings("http://agent.invalid"))
    assert KEPT[lang] in printed.amounts
    plain = layout(lang, receipt.model_copy(update={"cash_deducted": 0}),
                   counter_settings("http://agent.invalid"))  # fmt: skip
    assert KEPT[lang] not in plain.amounts
