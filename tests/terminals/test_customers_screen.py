"""The counter's Customers screen in a real headless Chromium, over the real reader agent and
the real ledger: look-up by phone, sign-up in a few fields, refusals in staff's language with
what was typed kept, at 390 px and 1280 px, in Vietnamese and English; and the birthday banner
of a tapped card."""

from __future__ import annotations

from typing import Any

import pytest

from reader_agent.contract import CardAnswer
from terminals.counter.card_view import card_view
from tests.terminals.browser_fixtures import browser as browser  # the shared fixture

from .conftest import Till

VIEWPORTS = [pytest.param({"width": 390, "height": 844}, id="390"),
             pytest.param({"width": 1280, "height": 800}, id="1280")]  # fmt: skip


def sign_up(page: Any, phone: str, name: str, day: str, month: str) -> None:
    page.fill("#phone", phone)
    page.fill("#name", name)
    page.fill("#birth_day", day)
    page.fill("#birth_month", month)
    page.click("#sign-up")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_find_and_sign_up_customers(till: Till, browser: Any, viewport: dict[str, int]) -> None:
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(20_000)
    page.goto(till.counter_url + "/")
    page.click("#tile-customers")
    assert page.url.endswith("/customers") and "Khách hàng" in page.inner_text("h2")
    page.fill("#lookup-phone", "0909 421 800")
    page.click("#lookup")
    assert "Chưa có khách hàng" in page.inner_text("#cust-message")
    assert page.input_value("#phone") == "0909 421 800"  # carried into the sign-up form
    sign_up(page, "0909 421 800", "Nguyễn Thị Lan", "31", "2")
    assert "Ngày sinh không hợp lệ" in page.inner_text("#signup-form")
    assert page.input_value("#name") == "Nguyễn Thị Lan"
    page.fill("#birth_day", "14")
    page.fill("#birth_month", "3")
    page.check("#consent")
    page.click("#sign-up")
    page.wait_for_selector("#cust-made")
    assert page.inner_text("#cust-phone") == "090****800"  # staff never see it in full
    assert page.inner_text("#cust-birthday") == "14/03"
    assert page.inner_text("#cust-consent") == "Đồng ý"
    assert len(page.inner_text("#cust-code")) == 8
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
    page.fill("#lookup-phone", "+84 909421800")
    page.click("#lookup")
    assert page.inner_text("#cust-name") == "Nguyễn Thị Lan"
    assert "No cards yet." in page.inner_text("#customer")
    sign_up(page, "84909421800", "Lan again", "1", "1")
    assert "already a customer" in page.inner_text("#signup-form")
    sign_up(page, "12345", "Tom", "1", "1")
    assert "not valid" in page.inner_text("#signup-form")
    sign_up(page, "0912 345 678", "Tom", "1", "12")
    page.wait_for_selector("#cust-made")
    assert page.inner_text("#cust-consent") == "No"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_tapped_card_of_a_customer_shows_the_birthday_banner() -> None:
    seen = CardAnswer(kind="online", uid="04A1", instrument="card-04A1", ledger={
        "id": "card-04A1", "program": "MEMBER", "kind": "member", "unit": "PTS", "balance": 1200,
        "status": "active", "customer": {"id": "C1", "name": "Lan", "birthday_week": True}})
    vi = card_view("vi", seen, 7)
    assert ("Họ tên", "Lan") in vi.rows
    assert any("sinh nhật của Lan" in note for note in vi.notes)
    plain = seen.model_copy(update={"ledger": {**seen.ledger, "customer": None}})  # type: ignore[dict-item]
    assert not any("Lan" in note for note in card_view("en", plain, 7).notes)
