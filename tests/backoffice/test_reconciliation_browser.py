"""Reconciliation actions in a real headless Chromium, both languages, 390 and 1280 px: the
alert's row shows the difference, then the correction pending, then written once the card's
write reaches the ledger; a write-off asks for a reason and leaves nothing to reconcile."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backoffice.test_browser import WIDTHS, fits, sign_in
from tests.backoffice.test_browser import browser as browser
from tests.backoffice.test_reconciliation import CARD, PAGE, evidence
from tests.backoffice.test_reconciliation import diverged as diverged
from tests.ledger.world import Till, World, expect
from tests.support import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def served(diverged: tuple[World, Till]) -> Iterator[str]:
    world, _ = diverged
    with serving(world._app_client.app) as url:
        yield url


def open_page(browser: object, url: str, width: int) -> object:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    sign_in(page, url, "fin")
    page.wait_for_selector("#nav")  # type: ignore[attr-defined]
    return page


def choose(page: object, url: str, action: str, reason: str = "") -> None:
    page.goto(url + PAGE)  # type: ignore[attr-defined]
    page.select_option("form.resolve select[name=action]", action)  # type: ignore[attr-defined]
    page.fill("form.resolve input[name=reason]", reason)  # type: ignore[attr-defined]
    page.click("form.resolve button")  # type: ignore[attr-defined]


def alerts_text(page: object, url: str, lang: str) -> str:
    page.goto(url + f"{PAGE}?lang={lang}")  # type: ignore[attr-defined]
    assert fits(page), f"the reconciliation page scrolls sideways ({lang})"
    return str(page.inner_text("#alerts"))  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", WIDTHS)
def test_correction_shows_pending_then_written(
    diverged: tuple[World, Till], served: str, browser: object, width: int
) -> None:
    world, till = diverged
    page = open_page(browser, served, width)
    assert "50.000 ₫" in alerts_text(page, served, "vi")  # the card holds 50.000 ₫ more
    choose(page, served, "correct_next_tap")
    assert "Đang chờ lần chạm thẻ tiếp theo" in alerts_text(page, served, "vi")
    assert "Waiting for the card's next tap" in alerts_text(page, served, "en")
    [update] = expect(world.get(f"/v1/instruments/{CARD}/card-updates"))["updates"]
    write = till.do("card_update", CARD, 50_000, ref=update["id"],
                    card=evidence(3, 140_000, 90_000))  # fmt: skip
    assert write.code == "ok"
    assert "Written to the card" in alerts_text(page, served, "en")
    assert "Đã ghi vào thẻ" in alerts_text(page, served, "vi")
    assert "Mọi thẻ khớp với sổ cái." in str(page.inner_text("#shadows"))  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", WIDTHS)
def test_write_off_asks_for_a_reason_then_leaves_nothing_to_reconcile(
    diverged: tuple[World, Till], served: str, browser: object, width: int
) -> None:
    world, _ = diverged
    page = open_page(browser, served, width)
    page.goto(served + "/admin/?lang=en")  # type: ignore[attr-defined]
    choose(page, served, "write_off")
    assert "Give a reason." in str(page.inner_text("body"))  # type: ignore[attr-defined]
    assert fits(page)
    choose(page, served, "write_off", "thẻ bị rách khi ghi có")
    text = alerts_text(page, served, "en")
    assert "Write off" in text and "thẻ bị rách khi ghi có" in text and "0 ₫" in text
    assert "Xoá sổ" in alerts_text(page, served, "vi")
    assert world.balance(CARD) == 140_000
