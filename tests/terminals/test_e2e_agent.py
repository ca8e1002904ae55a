"""The counter over the real agent and the real ledger, without a browser: what only the whole
chain shows (the ledger going away and coming back, the agent's own memory of sale ids)."""

from __future__ import annotations

import re
import time

import httpx
from fastapi.testclient import TestClient

from reader_agent.emulate.ntag_card import EmulatedNtag
from tests.reader_agent.agent.conftest import INSTRUMENT, Chain

from .conftest import Till
from .test_pages import sale_id, text_of


def post_sale(counter: httpx.Client | TestClient, slug: str, amount: str, **extra: str) -> str:
    form = counter.get(f"/{slug}")
    data = {"request_id": sale_id(form.text), "amount": amount, **extra}
    page = counter.post(f"/{slug}", data=data)
    assert page.status_code == 200, page.text
    return page.text


def code_of(page: str) -> str:
    found = re.search(r'data-code="([^"]*)"', page)
    assert found is not None
    return found.group(1)


def wait_for_balance(chain: Chain, expected: int, within_s: float = 20) -> None:
    deadline = time.monotonic() + within_s  # a bound on waiting, not an assertion on time
    while chain.balance() != expected:
        assert time.monotonic() < deadline, f"balance {chain.balance()} != {expected}"
        time.sleep(0.1)


def test_ledger_down_sales_are_offline_then_synced(till: Till, chain: Chain) -> None:
    with httpx.Client(base_url=till.counter_url, timeout=30) as counter:
        sold = post_sale(counter, "sell", "200.000", program="PREPAID")
        assert code_of(sold) == "ok" and chain.balance() == 200_000
        chain.server.stop()
        first = post_sale(counter, "redeem", "30.000")
        second = post_sale(counter, "redeem", "20.000")
        assert (code_of(first), code_of(second)) == ("ok", "ok")
        assert "tone-warn" in first and "tone-warn" in second  # done, but not yet confirmed
        # decided offline, or (if the agent's retry pause has passed, as on a slow machine)
        # tried online first and queued: either way done on the card, sent later
        assert any(
            m in text_of(second) for m in ("Thành công (ngoại tuyến)", "giao dịch đã xếp hàng")
        )
        home = text_of(counter.get("/").text)
        assert "Mất kết nối – chỉ thanh toán bằng thẻ, giao dịch được xếp hàng" in home
        # the ledger is away: a top-up needs it, and is refused, never queued: decided offline
        # (refused before the card), or tried online after the retry pause (the card set back)
        top_up = post_sale(counter, "top-up", "10.000")
        assert code_of(top_up) in ("offline_not_allowed", "ledger_unavailable")
        assert "cần máy chủ" in text_of(top_up)
        chain.server.start()
        wait_for_balance(chain, 150_000)  # the sync loop delivered each once; no top-up
        card = text_of(counter.post("/tap").text)
        assert "Số dư trên thẻ 150.000 ₫" in card  # the card holds what the ledger says


def test_a_sale_resubmitted_after_a_counter_restart_charges_once(till: Till, chain: Chain) -> None:
    """The counter's memory of sale ids is gone after a restart; the agent's is durable."""
    with httpx.Client(base_url=till.counter_url, timeout=30) as counter:
        post_sale(counter, "sell", "200.000", program="PREPAID")
        form = counter.get("/redeem")
        data = {"request_id": sale_id(form.text), "amount": "50.000"}
        first = counter.post("/redeem", data=data).text
    with TestClient(till.counter_app()) as restarted:
        again = restarted.post("/redeem", data=data).text
    tx_ids = {re.search(r"Mã giao dịch ([0-9a-f]{32})", text_of(p)).group(1)  # type: ignore[union-attr]
              for p in (first, again)}  # fmt: skip
    assert len(tx_ids) == 1
    redeems = [h for h in chain.history(INSTRUMENT) if h["op"] == "redeem"]
    assert len(redeems) == 1 and chain.balance() == 150_000


def test_no_card_in_time_is_a_message(till: Till, chain: Chain) -> None:
    till.reader.remove()
    with TestClient(till.counter_app(tap_timeout_s=0.3)) as counter:
        tapped = text_of(counter.post("/tap").text)
        assert "Không thấy thẻ: khách chưa chạm thẻ trong thời gian chờ." in tapped
        sale = post_sale(counter, "redeem", "1.000")
        assert code_of(sale) == "no_card" and 'id="retry"' in sale


MEMBER = {"id": "MEMBER", "name": "Thẻ thành viên", "kind": "member", "unit": "PTS",
          "max_balance": 100_000_000}  # fmt: skip
NTAG_UID = bytes.fromhex("04112233445566")
NTAG_INSTRUMENT = "card-" + NTAG_UID.hex().upper()


def member_card_till(till: Till, chain: Chain) -> None:
    chain.post("/v1/programs", MEMBER)
    till.reader.insert(EmulatedNtag(NTAG_UID))


def test_member_card_shows_points(till: Till, chain: Chain) -> None:
    member_card_till(till, chain)
    with TestClient(till.counter_app(programs={"MEMBER": "Thẻ thành viên"})) as counter:
        sold = post_sale(counter, "sell", "1.250", program="MEMBER")
        assert code_of(sold) == "ok"
        card = text_of(counter.post("/tap").text)
        assert "Loại thẻ Thẻ trực tuyến (chỉ dùng khi có mạng)" in card
        assert "Điểm thành viên 1.250 điểm" in card and "Thẻ thành viên" in card
        # a double submit on an online-only card: the counter's memory answers the second
        form = counter.get("/redeem")
        data = {"request_id": sale_id(form.text), "amount": "250"}
        first, second = (counter.post("/redeem", data=data).text for _ in range(2))
        assert code_of(first) == code_of(second) == "ok"
        assert "Điểm còn lại 1.000 điểm" in text_of(first)  # points, never "1.000 ₫"
        # points are given, never bought: a cash top-up is refused before the ledger moves
        top_up = post_sale(counter, "top-up", "500")
        assert code_of(top_up) == "unit_mismatch" and "không nạp tiền mặt" in text_of(top_up)
    assert chain.balance(NTAG_INSTRUMENT) == 1_000


def test_online_only_sale_resubmitted_after_a_counter_restart_charges_once(
    till: Till, chain: Chain
) -> None:
    member_card_till(till, chain)
    programs = {"MEMBER": "Thẻ thành viên"}
    data = {"request_id": "sale-restart-1", "amount": "250"}
    with TestClient(till.counter_app(programs=programs)) as counter:
        post_sale(counter, "sell", "1.250", program="MEMBER")
        counter.post("/redeem", data=data)
    with TestClient(till.counter_app(programs=programs)) as restarted:
        restarted.post("/redeem", data=data)
    assert chain.balance(NTAG_INSTRUMENT) == 1_000
