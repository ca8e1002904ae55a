"""The counter in a real headless Chromium, over the real reader agent (virtual reader, emulated
DESFire card) and the real ledger: a shift, a card sold, tapped, spent; a double submit; English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.reader_agent.agent.conftest import INSTRUMENT, Chain
from tests.support import CHROMIUM, CHROMIUM_ARGS

from .conftest import Till

TABLET: Any = {"width": 800, "height": 1280}

# Two submissions of the same form, racing: what a double click does when the page's own
# guard is not there (an old page, a second tab, a script).
RACE = """async () => {
  const form = document.getElementById("sale-form");
  const body = () => new URLSearchParams(new FormData(form));
  const send = () => fetch(form.action, {method: "POST", body: body()}).then(r => r.text());
  return Promise.all([send(), send()]);
}"""


@pytest.fixture
def page(till: Till) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport=TABLET)
            tab.set_default_timeout(20_000)
            tab.goto(till.counter_url + "/")
            yield tab
        finally:
            browser.close()


def tx_id(html: str) -> str:
    found = re.search(r"<dd>([0-9a-f]{32})</dd>", html)
    assert found is not None, "the page names the transaction"
    return found.group(1)


def redeems(chain: Chain) -> list[int]:
    return [h["amount"] for h in chain.history(INSTRUMENT) if h["op"] == "redeem"]


def preview_of(page: Any, field: str = "amount") -> str:
    """The live preview under an amount field, once the counter has answered it."""
    from playwright.sync_api import expect

    expect(page.locator(f"#{field}-preview")).not_to_be_empty()
    return str(page.inner_text(f"#{field}-preview"))


def sell(page: Any, amount: str) -> str:
    page.click("#nav-sell")
    page.select_option("#program", "PREPAID")
    page.fill("#amount", amount)
    preview = preview_of(page)
    page.click("#submit")
    page.wait_for_selector("#outcome")
    return str(preview)


def redeem(page: Any, amount: str) -> str:
    page.click("#nav-redeem")
    page.fill("#amount", amount)
    page.click("#submit")
    return str(page.inner_text("#outcome"))


def tap(page: Any) -> str:
    page.click("#nav-tap")
    page.click("#tap")
    return str(page.inner_text("#card"))


@pytest.mark.browser
def test_a_shift_at_the_counter(page: Any, till: Till, chain: Chain) -> None:
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Trực tuyến" in page.inner_text("#st-ledger")
    assert "Virtual reader 0" in page.inner_text("#st-reader")
    # the shift
    page.click("#shift-needed a")
    page.select_option("#staff", "NV01")
    page.fill("#pin", "1234")
    page.click("#open-shift")
    assert page.inner_text("#message") == "Đã mở ca cho Nguyễn Thị Lan."
    assert "Nguyễn Thị Lan" in page.inner_text("#st-shift")
    # sell the blank card with 200.000 ₫ in cash
    assert sell(page, "200000") == "200.000 ₫"
    sold = page.inner_text("#outcome")
    assert "Thành công." in sold and "Số dư trên thẻ\n200.000 ₫" in sold
    # the customer taps: the balance, on the card and in the ledger
    card = tap(page)
    assert "Số dư\n200.000 ₫" in card and "Số dư trên thẻ\n200.000 ₫" in card
    assert "Đang hoạt động" in card and "Thẻ trả trước" in card
    # a sale of 50.000 ₫
    spent = redeem(page, "50.000")
    assert "Thành công." in spent and "Số dư (máy chủ)\n150.000 ₫" in spent
    assert "150.000 ₫" in tap(page)
    assert chain.balance() == 150_000 and redeems(chain) == [50_000]
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False  # fits the tablet: no sideways scrolling


@pytest.mark.browser
def test_double_submits_charge_once(page: Any, till: Till, chain: Chain) -> None:
    sell(page, "200.000")
    # a double click: the page sends the form once
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.click("#nav-redeem")
    page.fill("#amount", "10.000")
    page.dblclick("#submit")
    page.wait_for_selector("#outcome")
    assert "Thành công." in page.inner_text("#outcome")
    assert posts == [till.counter_url + "/redeem"]
    # the same form sent twice at once: one charge, both answers name the same transaction
    page.click("#nav-redeem")
    page.fill("#amount", "20.000")
    first, second = page.evaluate(RACE)
    assert 'data-code="ok"' in first and 'data-code="ok"' in second
    assert tx_id(first) == tx_id(second)
    # sent a third time the ordinary way, then the result page reloaded (the browser posts
    # the form again): the first result each time, nothing charged
    page.click("#submit")
    page.wait_for_selector("#outcome")
    assert "không tính tiền lần nữa" in page.inner_text("#outcome")
    page.reload()
    page.wait_for_selector("#outcome")
    assert tx_id(page.content()) == tx_id(first)
    assert sorted(redeems(chain)) == [10_000, 20_000]
    assert chain.balance() == 170_000


@pytest.mark.browser
def test_switch_to_english(page: Any, till: Till, chain: Chain) -> None:
    sell(page, "200.000")
    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Online" in page.inner_text("#st-ledger")
    card = tap(page)
    assert "Balance\n200.000 ₫" in card and "Status\nActive" in card
    spent = redeem(page, "250.000")
    assert "Insufficient funds." in spent
    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert chain.balance() == 200_000
