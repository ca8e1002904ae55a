"""The counter's card replacement screen in a real headless Chromium, over the real reader
agent (virtual reader, emulated DESFire cards) and the real ledger: a lost card replaced in
Vietnamese, a damaged card read and replaced in English, on a phone (390 px) and a desktop
(1280 px)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.reader_agent.agent.conftest import UID, Chain, blank_card
from tests.support import CHROMIUM, CHROMIUM_ARGS

from .conftest import Till

OLD = UID.hex().upper()
NEW = bytes.fromhex("04B7C8D9E0F182")
DAMAGED_NEW = bytes.fromhex("04C0C0C0C0C081")
WIDTHS = [390, 1280]


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def page(request: pytest.FixtureRequest, till: Till) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": request.param, "height": 900})
            tab.set_default_timeout(20_000)
            yield tab
        finally:
            browser.close()


def fits(page: Any) -> bool:
    return not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def replace(page: Any) -> str:
    """Tap the new card; as staff would, press again once when the answer did not come (a
    loaded machine: the same replacement id, so never a second replacement)."""
    page.click("#replace")
    page.wait_for_selector("#receipt, #message")
    if page.locator("#receipt").count() == 0:
        page.click("#replace")
    return str(page.inner_text("#receipt"))


def issue(till: Till, amount: int) -> None:
    result = till.runtime.agent.issue("PREPAID", amount, 5)
    assert result.code == "ok", result


@pytest.mark.browser
def test_a_lost_card_is_replaced_at_the_counter(page: Any, till: Till, chain: Chain) -> None:
    issue(till, 200_000)
    page.goto(till.counter_url + "/")
    page.click("#nav-media")
    assert "Thay thẻ bị mất" in page.inner_text("main")
    page.fill("#uid", "not a card")
    page.click("#look")
    assert "Số thẻ gồm 8 đến 20 ký tự" in page.inner_text("main")  # refused in words
    page.fill("#uid", OLD.lower())
    page.select_option("#reason", "lost")
    page.click("#look")
    card = page.inner_text("#card")
    assert "Số dư\n200.000 ₫" in card and "Đang dùng" in card
    assert fits(page)
    till.reader.insert(blank_card(NEW))  # the new, blank card on the reader
    receipt = replace(page)
    assert "Đã thay thẻ" in receipt and "Số dư thẻ cũ đang giữ\n200.000 ₫" in receipt
    assert f"Thẻ mới\n{NEW.hex().upper()}" in receipt and "Chuyển sang thẻ mới lúc" in receipt
    assert fits(page)
    assert chain.get(f"/v1/cards/{OLD}")["state"] == "lost"
    new = chain.get(f"/v1/cards/{NEW.hex().upper()}")
    assert (new["state"], new["instrument"], new["card_type"]) == ("active", f"card-{OLD}",
                                                                  "desfire")
    # the page reloaded (the browser posts the form again): the same receipt, nothing more
    page.reload()
    assert "Đã thay thẻ" in page.inner_text("#receipt")
    assert len(chain.get(f"/v1/instruments/card-{OLD}/media")["media"]) == 2


@pytest.mark.browser
def test_a_damaged_card_is_read_and_replaced_in_english(
    page: Any, till: Till, chain: Chain
) -> None:
    issue(till, 150_000)
    page.goto(till.counter_url + "/media?lang=en")
    assert "Replace a lost, stolen or damaged card" in page.inner_text("main")
    page.fill("#uid", OLD)
    page.select_option("#reason", "damaged")
    page.click("#look")
    assert "Balance\n150.000 ₫" in page.inner_text("#card")
    page.click("#read")  # the damaged card still answers: its purse is read
    assert page.inner_text("#read-value") == "150000"
    till.reader.insert(blank_card(DAMAGED_NEW))
    receipt = replace(page)
    assert "Card replaced." in receipt and "Moved to the new card" in receipt
    assert fits(page)
    assert chain.get("/v1/replacements?state=closed")["replacements"][0]["moved"] == 150_000
    assert chain.balance(f"card-{OLD}") == 150_000
    updates = chain.get(f"/v1/instruments/card-{OLD}/card-updates")["updates"]
    assert [(u["amount"], u["state"]) for u in updates] == [(150_000, "pending")]
