"""Feedback on a receipt: one answer per receipt, a reward once, low ratings open follow-up
cases that move open -> contacted -> resolved with notes and response times."""

from __future__ import annotations

import pytest

from cardsvc.customers import feedback
from cardsvc.customers.errors import CustomerConflict, CustomerInvalid
from tests.customers.helpers import card, give, sign_up
from tests.ledger.world import DAY, Till, World, expect


def test_one_answer_per_receipt_and_a_reward_once(world: World, till: Till) -> None:
    c = world.ledger.customers
    lan = sign_up(world, "0909421800")
    purse, m = card(till, "P-1", amount=500_000), card(till, "M-1", "MEMBER")
    give(world, lan["id"], purse)
    give(world, lan["id"], m)
    sale = till.tx("redeem", purse, 120_000)
    till.send(sale)
    done = feedback.submit(c, sale.id, 5, "Nhân viên rất nhiệt tình", "vi")
    assert done.case_id is None and done.reward == "granted"
    with pytest.raises(CustomerConflict) as again:
        feedback.submit(c, sale.id, 1, "đổi ý", "vi")
    assert again.value.reason == "feedback_given"
    assert expect(world.get(f"/v1/instruments/{m}"))["balance"] == 20
    with world.ledger.db.read() as uow:
        row = uow.feedback.get(sale.id)
        assert row is not None and row.rating == 5 and row.store_id == "S1"
        assert row.customer_id == lan["id"]


@pytest.mark.parametrize(("receipt", "rating", "comment", "reason"), [
    ("nope", 3, "", "receipt_unknown"), (None, 0, "", "rating_invalid"),
    (None, 6, "", "rating_invalid"), (None, 3, "x" * 1001, "comment_too_long"),
])  # fmt: skip
def test_refusals(world: World, till: Till, receipt: str | None, rating: int, comment: str,
                  reason: str) -> None:  # fmt: skip
    sale = till.tx("issue", "P-1", 100_000, program="PREPAID")
    till.send(sale)
    with pytest.raises(CustomerInvalid) as refused:
        feedback.submit(world.ledger.customers, receipt or sale.id, rating, comment, "vi")
    assert refused.value.reason == reason


def test_too_old_receipt(world: World, till: Till) -> None:
    sale = till.tx("issue", "P-1", 100_000, program="PREPAID")
    till.send(sale)
    world.clock.advance(31 * DAY)
    with pytest.raises(CustomerInvalid) as refused:
        feedback.submit(world.ledger.customers, sale.id, 4, "", "vi")
    assert refused.value.reason == "receipt_too_old"


def test_low_rating_opens_a_case_for_the_store(world: World, till: Till) -> None:
    c = world.ledger.customers
    sale = till.tx("issue", "P-1", 100_000, program="PREPAID")
    till.send(sale)
    done = feedback.submit(c, sale.id, 1, "Chờ quá lâu", "vi")
    assert done.case_id is not None and done.reward == "none"  # nobody's card: no reward
    world.clock.advance(3600)
    with world.ledger.db.write() as uow:
        with pytest.raises(CustomerInvalid):  # another store's manager does not see it
            feedback.act(uow, done.case_id, "contacted", "gọi", "m2", world.clock(), "S2")
        feedback.act(uow, done.case_id, "contacted", "Đã gọi xin lỗi", "m1", world.clock(), "S1")
    world.clock.advance(7200)
    with world.ledger.db.write() as uow:
        with pytest.raises(CustomerConflict):
            feedback.act(uow, done.case_id, "open", "", "m1", world.clock(), "S1")
        feedback.act(uow, done.case_id, "resolved", "Tặng phiếu", "m1", world.clock(), None)
    with world.ledger.db.read() as uow:
        views = feedback.cases(uow, "S1")
    [v] = views
    assert v.case.status == "resolved" and v.comment == "Chờ quá lâu"
    assert (v.contact_s, v.resolve_s) == (3600, 10800)
    assert [n[0] for n in v.notes] == ["contacted", "resolved"]
    times = feedback.response_times(views)
    assert times == {"S1": {"cases": 1, "open": 0, "median_contact_s": 3600,
                            "median_resolve_s": 10800}}
