"""Loyalty end to end: the counter, the real agent, the real ledger and an emulated member card.
A member earns, spends points as a tender, returns an item (its points are clawed back), is
upgraded to Gold and sees it on the next tap."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.reader_agent.agent.conftest import Chain

from .conftest import Till
from .loyalty_chain import MEMBER, PROGRAMS, loyal_chain
from .test_e2e_agent import code_of, post_sale
from .test_pages import sale_id, text_of


def buy(counter: TestClient, amount: str, points: str = "", lang: str = "vi") -> str:
    form = counter.get(f"/loyalty?lang={lang}")
    data = {"request_id": sale_id(form.text), "amount": amount, "points": points,
            "paid_by": "bank_card"}  # fmt: skip
    page = counter.post("/loyalty/purchase", data=data)
    assert page.status_code == 200, page.text
    return page.text


def purchase_ids(chain: Chain) -> list[str]:
    return [h["id"] for h in chain.history(MEMBER) if h["op"] == "purchase"]


def test_earn_spend_return_and_upgrade_seen_on_the_next_tap(till: Till, chain: Chain) -> None:
    loyal_chain(chain, till)
    with TestClient(till.counter_app(programs=PROGRAMS)) as counter:
        assert code_of(post_sale(counter, "sell", "0", program="LOYAL")) == "ok"
        tapped = text_of(counter.post("/loyalty/tap").text)
        assert "Hạng thành viên Member" in tapped
        assert "Silver: còn thiếu 1.000.000 ₫" in tapped
        first = buy(counter, "600.000")
        assert code_of(first) == "ok"
        assert "Điểm tích được 60 điểm" in text_of(first) and "v1:base" in first
        spent = text_of(buy(counter, "200.000", points="50"))
        assert "Điểm đã dùng 50 điểm" in spent and "Điểm tích được 19 điểm" in spent
        assert "Điểm còn lại 29 điểm" in spent
        # the first sale is returned: its 60 points come back, 29 from its lot, 31 owed
        first_id = re.search(r"<dd>([0-9a-f]{32})</dd>", first)
        assert first_id is not None and first_id.group(1) in purchase_ids(chain)
        returned = post_sale(counter, "refund", "600.000", ref=first_id.group(1))
        assert code_of(returned) == "ok"
        owing = text_of(counter.post("/loyalty/tap").text)
        assert "còn nợ 31 điểm" in owing
        assert "Silver: còn thiếu 800.000 ₫" in owing  # the return took its spend back too
        upgraded = text_of(buy(counter, "2.000.000"))
        assert "Hạng thành viên Gold" in upgraded
        seen = text_of(counter.post("/loyalty/tap?lang=en").text)
        assert "Tier Gold" in seen and "At the top tier" in seen
    view = chain.get(f"/v1/loyalty/members/{MEMBER}")
    assert (view["tier"], view["debt"]) == ("Gold", 0)
    assert [h["to_tier"] for h in view["history"]] == ["Gold"]


def test_staff_adjustment_with_a_reason_once_per_form(till: Till, chain: Chain) -> None:
    loyal_chain(chain, till)
    with TestClient(till.counter_app(programs=PROGRAMS)) as counter:
        post_sale(counter, "sell", "0", program="LOYAL")
        form = counter.get("/loyalty")
        ids = re.findall(r'name="request_id" value="([^"]+)"', form.text)
        data = {"request_id": ids[1], "op": "award", "points": "200", "reason": "complaint"}
        first, again = (counter.post("/loyalty/adjust", data=data).text for _ in range(2))
        assert code_of(first) == code_of(again) == "ok"
        assert "Số điểm điều chỉnh 200 điểm" in text_of(first)
        big = counter.post("/loyalty/adjust", data={**data, "request_id": "adj-big",
                                                    "points": "5.000"}).text  # fmt: skip
        assert code_of(big) == "limit_exceeded"  # more needs a person with the role
        bad = counter.post("/loyalty/adjust", data={**data, "request_id": "adj-bad",
                                                    "points": "abc"})  # fmt: skip
        assert bad.status_code == 422 and "Số điểm không hợp lệ" in text_of(bad.text)
    assert chain.get(f"/v1/instruments/{MEMBER}")["balance"] == 200
