"""The customer page in a real headless Chromium, served by uvicorn on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support import CHROMIUM, CHROMIUM_ARGS, serving
from tests.vouchers.conftest import DAY, Env
from tests.vouchers.test_campaigns import Counter


@pytest.fixture
def served(env: Env) -> Iterator[str]:
    with serving(env.app) as url:
        yield url


@pytest.mark.browser
def test_customer_checks_a_gift_card_on_a_phone(env: Env, served: str) -> None:
    from playwright.sync_api import sync_playwright

    cid = env.campaign(id="GIFT", kind="gift", face_value=2_000_000, validity_s=365 * DAY)
    code = env.codes(cid, 1)[0]
    till = Counter(env.till("T1", "S1"))
    till.send("issue", code["instrument"], amount=2_000_000, program=cid)
    till.send("redeem", code["instrument"], amount=750_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
            page.goto(served + "/")
            assert page.locator("html").get_attribute("lang") == "vi"
            assert page.evaluate("document.activeElement.id") == "q"  # ready to type or scan
            page.fill("#q", code["code"].lower())
            page.click("#check")
            page.wait_for_selector("#result")
            text = page.inner_text("#result")
            assert "Số dư" in text and "1.250.000 ₫" in text and "Còn hiệu lực" in text
            assert "750.000 ₫" in page.inner_text("#history")
            overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            assert overflow is False  # fits a phone screen: no sideways scrolling
            page.click("#lang-switch")
            assert page.locator("html").get_attribute("lang") == "en"
            page.fill("#q", code["qr"])
            page.click("#check")
            page.wait_for_selector("#result")
            assert "Balance" in page.inner_text("#result")
            page.click("#again")
            page.fill("#q", "0000-0000-0000-0000-0")
            page.click("#check")
            assert "could not find" in page.inner_text("#message")
            # A dead link or an unreadable form: a page in words with a way back, not JSON.
            missing = page.goto(served + "/no-such-page")
            assert missing is not None and missing.status == 404
            assert "no such page" in page.inner_text("#message")
            lost = page.goto(served + "/admin/no-such-page")  # the back office's own heading
            assert lost is not None and lost.status == 404
            assert page.inner_text("h1") == "Cards & vouchers back office"
            assert page.get_attribute("#home", "href") == "/admin/"
            page.goto(served + "/no-such-page")
            assert page.inner_text("h1") == "Check a gift card, voucher or ticket"
            page.click("#home")
            page.click("#join-link")  # the sign-up is found from the start page
            assert "Become a member" in page.inner_text("h1")
            page.go_back()
            page.eval_on_selector("#q", "field => field.removeAttribute('maxlength')")
            page.fill("#q", "A" * 1300)
            page.click("#check")
            assert "could not be read" in page.inner_text("#message")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        finally:
            browser.close()
    api = httpx.get(served + "/no-such-page", timeout=10)  # programs still get the JSON shape
    assert api.status_code == 404 and api.json()["error"] == "not_found"
