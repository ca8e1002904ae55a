"""Rewards at the counter in a real headless Chromium, over the real agent and a ledger with a
QR signing key, with an emulated member card: the catalog after a tap (a tier-only voucher
locked, naming its tier), buying one with points, its voucher code and QR on the receipt; in
Vietnamese and English, on a phone (390 px) and a till (1280 px)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.reader_agent.agent.conftest import Chain, make_keystore
from tests.terminals.browser_fixtures import chromium

from .conftest import Till
from .loyalty_chain import MEMBER, PROGRAMS, loyal_chain
from .test_e2e_agent import code_of, post_sale
from .tills import QR_LABEL, voucher_chain

WIDTHS = (390, 1280)
DAY = 86_400
CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}-[0-9A-Z]$")


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    """The ledger with vouchers (a QR key and a code pepper): rewards issue vouchers."""
    keystore = make_keystore(tmp_path / "ledger-keys.json", ())
    keystore.generate_ed25519(QR_LABEL, "qr")
    with voucher_chain(tmp_path, keystore) as made:
        yield made


@pytest.fixture
def browser(till: Till) -> Iterator[Any]:
    """The shared Chromium, started after the till (and so stopped before it)."""
    with chromium() as launched:
        yield launched


def rewards_chain(chain: Chain, till: Till) -> None:
    """LOYAL with a catalog: a coffee voucher for everyone, a gift voucher for Gold only; the
    rules in force from the next second (never in the past); the member card on the reader."""
    until = int(time.time()) + 90 * DAY
    chain.post("/v1/campaigns", {"id": "CAFE", "name": "Cà phê", "kind": "voucher",
                                 "face_value": 50_000, "valid_until": until})  # fmt: skip
    chain.post("/v1/campaigns", {"id": "GOLDV", "name": "Quà Vàng", "kind": "voucher",
                                 "face_value": 200_000, "valid_until": until})  # fmt: skip
    rules: dict[str, object] = {
        "tiers": [{"name": "Member", "threshold": 0},
                  {"name": "Gold", "threshold": 2_000_000, "vouchers": ["GOLDV"]}],
        "rewards": [
            {"id": "coffee", "name_vi": "Cà phê miễn phí", "name_en": "Free coffee",
             "points": 100, "campaign": "CAFE"},
            {"id": "gold-gift", "name_vi": "Quà tặng hạng Vàng", "name_en": "Gold gift",
             "points": 50, "campaign": "GOLDV"},
        ],
    }  # fmt: skip
    loyal_chain(chain, till, rules)
    with TestClient(till.counter_app(programs=PROGRAMS)) as counter:
        assert code_of(post_sale(counter, "sell", "0", program="LOYAL")) == "ok"


def fits(page: Any) -> bool:
    return not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def earn(page: Any, amount: str) -> None:
    page.fill("#amount", amount)
    page.click("#purchase")
    page.wait_for_selector("#outcome[data-code=ok]")


def tap(page: Any) -> str:
    page.click("#member-tap")
    page.wait_for_selector("#rewards")
    return str(page.inner_text("#rewards"))


def buy(page: Any, item: str) -> str:
    page.click(f"#reward-{item} .reward-buy")
    page.wait_for_selector("#voucher-receipt")
    assert page.get_attribute("#outcome", "data-code") == "ok"
    code = page.inner_text("#voucher-code").strip()
    assert CODE.match(code), code
    assert page.locator("#voucher-qr svg").count() == 1
    return str(page.inner_text("#voucher-receipt"))


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_rewards_bought_with_points_print_their_voucher(
    browser: Any, till: Till, chain: Chain, width: int, tmp_path: Path
) -> None:
    rewards_chain(chain, till)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(20_000)
    page.goto(till.counter_url + "/loyalty")
    earn(page, "1500000")  # 150 points
    seen = tap(page)
    assert "Đổi quà" in seen and "Cà phê miễn phí\n100 điểm" in seen
    assert "Quà tặng hạng Vàng" in seen and "Cần hạng Gold" in seen
    assert page.is_disabled("#reward-gold-gift .reward-buy")
    assert fits(page)
    page.screenshot(path=str(tmp_path / f"rewards-list-vi-{width}.png"), full_page=True)
    printed = buy(page, "coffee")
    assert "Phiếu quà tặng" in printed and "Giá trị phiếu\n50.000 ₫" in printed
    assert "Điểm đã dùng\n100 điểm" in page.inner_text("#outcome")
    assert chain.balance(MEMBER) == 50
    assert fits(page)
    page.screenshot(path=str(tmp_path / f"rewards-vi-{width}.png"), full_page=True)
    page.click("#lang-switch")
    earn(page, "1000000")  # 100 points more; 2.500.000 ₫ in all: Gold
    seen = tap(page)
    assert "Rewards" in seen and "Free coffee\n100 points" in seen and "Needs" not in seen
    printed = buy(page, "gold-gift")  # the tier-only voucher, open to Gold now
    assert "Reward voucher" in printed and "Voucher value\n200.000 ₫" in printed
    assert chain.balance(MEMBER) == 100
    assert fits(page)
    page.screenshot(path=str(tmp_path / f"rewards-en-{width}.png"), full_page=True)
    page.close()
