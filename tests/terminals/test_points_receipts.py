"""A member's receipts are counted in points: a purchase prints its bill in đồng and the points it
spent, earned and left; a reward, an adjustment and a member's refund print their points, never
'₫' for a points balance. Both languages."""

from __future__ import annotations

import pytest

from reader_agent import contract as c
from terminals.counter.receipt_view import layout, listed

from .conftest import counter_settings

SETTINGS = counter_settings("http://agent.invalid")
BASE = {"tx_id": "T1-9", "number": "S1-QUAY1-000009", "short": "000009", "code": "ok",
        "instrument": "member-04A1", "state": "done", "at": 1_790_000_000}  # fmt: skip


def _printed(lang: str, **fields: object) -> tuple[str, list[tuple[str, str]], tuple[str, str]]:
    doc = layout(lang, c.Receipt.model_validate({**BASE, **fields}), SETTINGS)
    assert doc.total is not None
    return doc.title, doc.amounts, doc.total


def test_a_member_purchase_prints_points_spent_earned_and_left() -> None:
    title, amounts, total = _printed("vi", op="purchase", amount=20, purchase_amount=250_000,
                                     points_earned=25, balance_after=1_205, unit="PTS")  # fmt: skip
    assert title == "Mua hàng thành viên"
    assert total == ("Hóa đơn", "250.000 ₫")
    assert amounts == [("Điểm đã dùng", "20 điểm"), ("Điểm tích được", "25 điểm"),
                       ("Điểm còn lại", "1.205 điểm")]  # fmt: skip
    _, amounts_en, _ = _printed("en", op="purchase", amount=0, purchase_amount=250_000,
                                points_earned=25, balance_after=1_205, unit="PTS")  # fmt: skip
    assert amounts_en == [("Points earned", "25 points"), ("Points balance", "1,205 points")]


@pytest.mark.parametrize(("op", "lang", "title", "shown"), [
    ("reward", "vi", "Đổi quà bằng điểm", "500 điểm"),
    ("award", "en", "Points added", "500 points"),
    ("deduct", "vi", "Trừ điểm", "500 điểm"),
])  # fmt: skip
def test_points_operations_print_points(op: str, lang: str, title: str, shown: str) -> None:
    got_title, amounts, total = _printed(lang, op=op, amount=500, balance_after=2_000, unit="PTS")
    assert got_title == title and total[1] == shown
    assert all("₫" not in value for _, value in amounts)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_member_refund_prints_its_balance_in_points(lang: str) -> None:
    _, amounts, total = _printed(lang, op="refund", amount=100_000, ref="T1-7",
                                 balance_after=1_180, unit="PTS")  # fmt: skip
    assert total[1] == "100.000 ₫"  # the sale refunded is money
    balance = [value for _, value in amounts if "1" in value]
    assert balance == ["1.180 điểm" if lang == "vi" else "1,180 points"]
    _, card_amounts, _ = _printed(lang, op="refund", amount=100_000, ref="T1-7",
                                  balance_after=1_180)  # fmt: skip
    assert card_amounts[-1][1] == "1.180 ₫"  # a stored-value card's balance stays đồng


@pytest.mark.parametrize(("op", "fields", "line"), [
    ("purchase", {"amount": 20, "purchase_amount": 250_000}, "Mua hàng thành viên · 250.000 ₫"),
    ("reward", {"amount": 500}, "Đổi quà bằng điểm · 500 điểm"),
    ("top_up", {"amount": 50_000}, "Nạp tiền (tiền mặt) · 50.000 ₫"),
])  # fmt: skip
def test_the_receipt_list_names_each_operation_in_its_unit(
    op: str, fields: dict[str, int], line: str
) -> None:
    receipt = c.Receipt.model_validate({**BASE, "op": op, **fields})
    assert listed("vi", receipt) == line
