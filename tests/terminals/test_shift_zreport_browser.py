"""The counter's shift with its cash, in a real headless Chromium over the real agent and ledger:
opened with the float in the drawer, a card sold for cash, closed with the cash counted; the
closed shift's report shows what was expected and the difference, and the same report reaches
the ledger (signed by the till's agent) for finance."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.reader_agent.agent.conftest import STORE, Chain
from tests.terminals.test_browser import page as page
from tests.terminals.test_browser import sell

from .conftest import TERMINAL, Till

WAIT_S = 30.0  # a loaded machine: the sync loop sends it within a round or two


def ledger_reports(chain: Chain) -> list[dict[str, Any]]:
    """The shift reports the ledger holds, once there are any (waiting for the sync loop)."""
    ledger = chain.server.ledger
    assert ledger is not None
    deadline = time.monotonic() + WAIT_S
    while True:
        with ledger.db.read() as uow:
            found = uow.shift_reports.closed_between(0, 2**40, None)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_a_shift_with_its_cash_reaches_the_ledger(
    page: Any, till: Till, chain: Chain, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    page.click("#shift-needed a")
    page.select_option("#staff", "NV01")
    page.fill("#pin", "1234")
    page.fill("#opening-float", "500.000")
    page.click("#open-shift")
    assert page.inner_text("#message") == "Đã mở ca cho Nguyễn Thị Lan."
    sell(page, "200000")
    assert "Thành công." in page.inner_text("#outcome")
    page.goto(till.counter_url + "/shift?lang=en")
    page.select_option("#close-staff", "NV01")
    page.fill("#close-pin", "1234")
    page.fill("#counted-cash", "abc")
    page.click("#close-shift")
    assert "abc" in page.inner_text("#message")  # refused, saying what was typed
    page.select_option("#close-staff", "NV01")
    page.fill("#close-pin", "1234")
    page.fill("#counted-cash", "690.000")
    page.click("#close-shift")
    report = page.inner_text("#closed-report")
    assert "Opening float\n500.000 ₫" in report and "Cash expected\n700.000 ₫" in report
    assert "Cash counted\n690.000 ₫" in report
    assert "Difference (counted − expected)\n-10.000 ₫" in report
    [row] = ledger_reports(chain)
    assert (row["terminal_id"], row["store_id"], row["staff"]) == (TERMINAL, STORE,
                                                                   "Nguyễn Thị Lan")  # fmt: skip
    assert (row["opening_float"], row["cash_sold"], row["counted_cash"], row["difference"]) == (
        500_000, 200_000, 690_000, -10_000)  # fmt: skip
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False, f"the shift screen scrolls sideways at {width} px"
