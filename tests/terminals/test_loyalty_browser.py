"""The counter's loyalty screen in a real headless Chromium, over the real agent and ledger with
an emulated member card: in Vietnamese and English, on a phone (390 px) and a till (1280 px).
Screenshots go to the test's directory for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.reader_agent.agent.conftest import Chain
from tests.terminals.browser_fixtures import chromium

from .conftest import Till
from .loyalty_chain import MEMBER, PROGRAMS, loyal_chain
from .test_e2e_agent import code_of, post_sale

WIDTHS = (390, 1280)


@pytest.fixture
def browser(till: Till) -> Iterator[Any]:
    """The shared Chromium, started after the till (and so stopped before it)."""
    with chromium() as launched:
        yield launched


def fits(page: Any) -> bool:
    return not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def sell_member_card(chain: Chain, till: Till) -> None:
    """The member card sold (issued under LOYAL) by a counter that offers that program."""
    loyal_chain(chain, till)
    with TestClient(till.counter_app(programs=PROGRAMS)) as counter:
        assert code_of(post_sale(counter, "sell", "0", program="LOYAL")) == "ok"


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_tap_earn_and_spend_in_both_languages(
    browser: Any, till: Till, chain: Chain, width: int, tmp_path: Path
) -> None:
    sell_member_card(chain, till)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(20_000)
    page.goto(till.counter_url + "/")
    page.click("#nav-loyalty")
    assert page.locator("h2").inner_text() == "Khách hàng thành viên"
    page.click("#member-tap")
    page.wait_for_selector("#member")
    member = page.inner_text("#member")
    assert "Hạng thành viên\nMember" in member and MEMBER in member
    assert "Silver: còn thiếu 1.000.000 ₫" in member
    page.fill("#amount", "1200000")
    page.wait_for_function("document.getElementById('amount-preview').textContent !== ''")
    assert page.inner_text("#amount-preview") == "1.200.000 ₫"  # the counter's own reading
    page.select_option("#paid_by", "bank_card")
    page.click("#purchase")
    page.wait_for_selector("#outcome")
    earned = page.inner_text("#outcome")
    assert "Điểm tích được\n120 điểm" in earned and "Hạng thành viên\nSilver" in earned
    assert fits(page)
    page.screenshot(path=str(tmp_path / f"loyalty-vi-{width}.png"), full_page=True)
    page.click("#lang-switch")
    assert page.locator("h2").inner_text() == "Loyalty members"
    page.fill("#amount", "100.000")
    page.fill("#points", "100")
    page.click("#purchase")
    page.wait_for_selector("#outcome")
    spent = page.inner_text("#outcome")
    assert "Points spent\n100 points" in spent and "Points earned\n11 points" in spent
    page.click("#member-tap")
    page.wait_for_selector("#member")
    member = page.inner_text("#member")
    assert "Tier\nSilver" in member and "Points available\n31 points" in member
    assert "Gold: 700.000 ₫ to go" in member  # 2.000.000 ₫ less the 1.300.000 ₫ spent
    assert fits(page)
    page.screenshot(path=str(tmp_path / f"loyalty-en-{width}.png"), full_page=True)
    page.fill("#amount", "abc")
    page.click("#purchase")
    page.wait_for_selector("[role=alert]")
    assert page.locator(".notice.error").count() >= 1
    page.close()
