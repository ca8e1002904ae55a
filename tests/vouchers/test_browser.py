"""The customer page in a real headless Chromium, served by uvicorn on a loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from tests.vouchers.conftest import DAY, Env
from tests.vouchers.test_campaigns import Counter

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(env: Env) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(env.app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):  # bounded wait for the socket to listen
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.browser
def test_customer_checks_a_gift_card_on_a_phone(env: Env, served: str) -> None:
    from playwright.sync_api import sync_playwright

    cid = env.campaign(id="GIFT", kind="gift", face_value=2_000_000, validity_s=365 * DAY)
    code = env.codes(cid, 1)[0]
    till = Counter(env.till("T1", "S1"))
    till.send("issue", code["instrument"], amount=2_000_000, program=cid)
    till.send("redeem", code["instrument"], amount=750_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
            page.goto(served + "/")
            assert page.locator("html").get_attribute("lang") == "vi"
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
        finally:
            browser.close()
