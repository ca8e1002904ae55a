"""The kiosk in a real headless Chromium, over the real reader agent and the real ledger: a ticket
and a voucher by QR (scanner typing), a prepaid card through pcscd, self check-in where the
event lists the kiosk, the start screen back after the idle time, a refused code in words, the
ledger down; Vietnamese and English at 390 and 1280 px."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from reader_agent import contract as c
from reader_agent.drivers.virtual import VirtualReader
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import DesfireCardState
from terminals.kiosk.kiosk import shown, voucher_amount
from terminals.unattended.text import reason, t
from tests.terminals.browser_fixtures import browser as browser  # the shared fixtures
from tests.terminals.browser_fixtures import place as place
from tests.terminals.unattended_rig import (
    PHONE,
    WIDE,
    card_in_pcscd,
    fits,
    kiosk_rig,
    new_page,
    wedge,
)
from tests.terminals.venue import Venue

pytestmark = pytest.mark.browser


def conditions(page: Any) -> list[str]:
    return list(page.locator("#conditions li").all_inner_texts())


def test_a_ticket_by_qr_then_self_check_in(place: Venue, browser: Any) -> None:
    ticket = place.tickets(1)[0]
    with kiosk_rig(place, "KIOSK1", VirtualReader()) as rig:
        page = new_page(browser, rig.app_url, PHONE)
        assert t("vi", "kiosk_hint") in page.inner_text("#hint")
        wedge(page, ticket["qr"])
        assert page.inner_text("#title") == "Vé"
        assert page.inner_text("#headline") == "Còn 2 lượt"
        assert conditions(page) == ["2 lượt vào", "Không vào lại trong 10 phút",
                                    "Cổng vào: G1, KIOSK1"]  # fmt: skip
        assert "Phát hành" in page.inner_text("#history")
        amount_heading = "e => getComputedStyle(e).textAlign"  # over its right-aligned column
        assert page.eval_on_selector("#history th:last-child", amount_heading) == "right"
        assert fits(page)
        with page.expect_navigation():
            page.click("#checkin")
        assert page.inner_text("#headline") == "MỜI VÀO"
        assert page.locator("body").get_attribute("data-sound") == "ok"
    assert [e["terminal_id"] for e in place.entries(ticket["instrument"])] == ["KIOSK1"]


def test_no_check_in_where_the_event_does_not_list_the_kiosk(place: Venue, browser: Any) -> None:
    ticket = place.tickets(1)[0]
    with kiosk_rig(place, "KIOSK2", VirtualReader()) as rig:
        page = new_page(browser, rig.app_url, WIDE, "en")
        wedge(page, ticket["qr"])
        assert page.inner_text("#title") == "Ticket"
        assert page.locator("#checkin").count() == 0
        assert page.locator("form[action='/scan'], a[href*='shift']").count() == 0


def test_a_voucher_by_qr_in_english_and_a_refused_code(place: Venue, browser: Any) -> None:
    now = int(time.time())
    place.chain.post(
        "/v1/campaigns",
        {
            "id": "P15",
            "name": "Giảm 15%",
            "kind": "voucher",
            "discount_bp": 1500,
            "discount_cap": 40_000,
            "min_spend": 100_000,
            "valid_until": now + 86_400,
        },
    )
    voucher = place.tickets(1, "P15")[0]
    with kiosk_rig(place, "KIOSK1", VirtualReader()) as rig:
        page = new_page(browser, rig.app_url, WIDE, "en")
        wedge(page, voucher["qr"])
        assert page.inner_text("#title") == "Voucher"
        assert page.inner_text("#headline") == "Uses left: 1"
        nbsp = "\u00a0"  # an amount's ₫ never wraps onto a line of its own
        assert conditions(page) == [
            "15% off", f"At most 40.000{nbsp}₫ off", f"For purchases of 100.000{nbsp}₫ or more",
            "Uses: 1",
        ]  # fmt: skip
        assert page.locator("#checkin").count() == 0
        phone = new_page(browser, rig.app_url, PHONE)
        wedge(phone, voucher["qr"])
        assert phone.inner_text("#title") == "Phiếu mua hàng"  # as the counter and / name it
        assert f"Áp dụng cho hoá đơn từ 100.000{nbsp}₫" in conditions(phone)
        assert fits(phone)
        missing = page.goto(rig.app_url + "/no-such-page")
        assert missing is not None and missing.status == 404
        assert t("en", "page_missing") in page.inner_text("body")  # words, not JSON
        page.click("a[href='/']")
        wedge(page, "CS1:DAMAGED")
        assert page.inner_text("#headline") == reason("en", "malformed")
        assert fits(page)


def test_the_start_screen_comes_back_when_idle(place: Venue, browser: Any) -> None:
    ticket = place.tickets(1)[0]
    with kiosk_rig(place, "KIOSK1", VirtualReader(), idle_s=2) as rig:
        page = new_page(browser, rig.app_url, PHONE, "en")
        wedge(page, ticket["qr"])
        assert page.locator("body").get_attribute("data-screen") == "look"
        assert page.inner_text("#idle") == "Returns to the start after 2 seconds"
        page.wait_for_selector("body[data-screen='start']", timeout=10_000)
        assert page.url.rstrip("/") == rig.app_url
        assert t("en", "kiosk_hint") in page.inner_text("#hint")


def test_with_the_ledger_down_the_code_itself_is_shown(place: Venue, browser: Any) -> None:
    ticket = place.tickets(1)[0]
    with kiosk_rig(place, "KIOSK1", VirtualReader()) as rig:
        page = new_page(browser, rig.app_url, WIDE)
        place.server.stop()
        wedge(page, ticket["qr"])
        assert page.inner_text("#title") == "Vé"
        assert page.inner_text("#note") == t("vi", "ledger_unreached")
        assert "Ngoại tuyến" in page.inner_text("#st-ledger")
        assert conditions(page)[0] == "2 lượt vào"


@pytest.mark.pcscd
def test_a_prepaid_card_tapped_through_pcscd(
    place: Venue, browser: Any, pcscd_available: None
) -> None:
    card = EmulatedDesfire(DesfireCardState(bytes.fromhex("04A1B2C3D4E581")))
    with card_in_pcscd(card) as readers, kiosk_rig(place, "KIOSK1", readers) as rig:
        issued = httpx.post(rig.agent_url + c.ISSUE.path, timeout=60,
                            json={"program": "PREPAID", "amount": 200_000,
                                  "timeout_s": 10}).json()  # fmt: skip
        assert issued["code"] == "ok", issued
        for lang, viewport, title, when_ in (
            ("vi", PHONE, "Thẻ trả trước", "Phát hành"),
            ("en", WIDE, "Prepaid card", "Issued"),
        ):
            page = new_page(browser, rig.app_url, viewport, lang)
            with page.expect_navigation():
                page.click("#tap")
            assert page.inner_text("#title") == title
            assert page.inner_text("#headline") == "200.000 ₫"
            assert t(lang, "on_card") in page.inner_text("#facts")
            assert when_ in page.inner_text("#history")
            assert "200.000 ₫" in page.inner_text("#history")
            assert fits(page)


def test_amounts_points_and_every_kind_are_written_for_people() -> None:
    member = c.Look(source="card", code="ok", instrument="card-1", card_kind="online", ledger={
        "instrument": {"kind": "member", "unit": "PTS", "balance": 1200, "status": "active",
                       "uses_left": None, "valid_from": None, "valid_until": None},
        "terms": {"kind": "member", "reloadable": True}, "history": []})  # fmt: skip
    vi, en = shown("vi", member, 7), shown("en", member, 7)
    assert (vi.title, vi.headline, en.headline) == ("Thẻ thành viên", "1.200 điểm", "1,200 points")
    assert en.conditions == ["Can be topped up"] and en.history == []
    for kind in ("prepaid", "gift", "voucher", "eticket", "member"):
        assert t("en", f"kind_{kind}") != f"kind_{kind}"


def test_the_kiosk_keeps_the_ledgers_voucher_rule() -> None:
    from cardsvc.protocol.qr import QrClaims, QrKind

    c15 = QrClaims(QrKind.VOUCHER, "V-1", "P", 0, discount_bp=1500, discount_cap=40_000)
    assert (voucher_amount(c15, 100_000), voucher_amount(c15, 1_000_000)) == (15_000, 40_000)
    fixed = QrClaims(QrKind.VOUCHER, "V-2", "F", 0, value=50_000)
    assert voucher_amount(fixed, 30_000) == 30_000
