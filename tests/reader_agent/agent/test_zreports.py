"""Shift (Z) reports end to end: a shift closed on the till (float, a cash sale, counted cash)
is queued while the ledger is down, sent signed with the terminal key once it is back, kept
exactly once (a resend after a lost answer changes nothing), and shown to finance in the back
office beside the daily settlement, in headless Chromium (vi and en, 390 and 1280 px), with
its XLSX export read back."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from cardsvc.services import signin
from cardsvc.services.people import Role, create_person
from reader_agent.agent.api import create_api
from reader_agent.agent.staff import StaffBook
from reader_agent.agent.sync import LedgerUnavailable
from reader_agent.agent.wiring import AgentRuntime
from tests.backoffice.office import PASSWORD
from tests.backoffice.test_browser import WIDTHS, fits, sign_in
from tests.backoffice.test_browser import browser as browser

from .conftest import STORE, TERMINAL, Chain
from .test_flows import issue

FLOAT, SOLD, COUNTED = 500_000, 300_000, 790_000  # 10.000 ₫ short


def reports(chain: Chain) -> list[dict[str, Any]]:
    ledger = chain.server.ledger
    assert ledger is not None
    with ledger.db.read() as uow:
        return uow.shift_reports.closed_between(0, 2**40, None)


def queued(runtime: AgentRuntime) -> list[tuple[int, int | None]]:
    with runtime.db.read() as conn:
        rows = conn.execute("SELECT shift_id, sent_at FROM zreports ORDER BY shift_id")
        return [(int(r[0]), r[1]) for r in rows]


@pytest.fixture
def closed_shift(runtime: AgentRuntime, chain: Chain) -> Iterator[AgentRuntime]:
    """Lan's shift: opened with a float, one cash card sale, closed while the ledger is down
    with the cash counted; then the ledger comes back and the sync loop sends the report."""
    StaffBook(runtime.db, runtime.agent.clock).add("NV01", "Lan", "1234")
    api = TestClient(create_api(runtime))
    opened = api.post("/v1/shift", json={"staff": "NV01", "pin": "1234", "opening_float": FLOAT})
    assert opened.status_code == 200, opened.text
    issue(runtime, SOLD)
    chain.server.stop()
    closed = api.post("/v1/shift/close",
                      json={"staff": "NV01", "pin": "1234", "counted_cash": COUNTED})  # fmt: skip
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert (body["opening_float"], body["cash_taken"], body["counted_cash"]) == (
        FLOAT, SOLD, COUNTED)  # fmt: skip
    with pytest.raises(LedgerUnavailable):
        runtime.loop.round()
    assert [sent for _, sent in queued(runtime)] == [None]  # kept until the ledger is back
    chain.server.start()
    runtime.loop.round()
    yield runtime


def test_the_report_reaches_the_ledger_exactly_once(
    closed_shift: AgentRuntime, chain: Chain
) -> None:
    [(shift_id, sent_at)] = queued(closed_shift)
    assert sent_at is not None
    [row] = reports(chain)
    assert (row["terminal_id"], row["store_id"], row["shift_no"], row["staff"]) == (
        TERMINAL, STORE, shift_id, "Lan")  # fmt: skip
    assert (row["opening_float"], row["cash_sold"], row["expected_cash"]) == (
        FLOAT, SOLD, FLOAT + SOLD)  # fmt: skip
    assert (row["counted_cash"], row["difference"], row["operations"]) == (COUNTED, -10_000, 1)
    with closed_shift.db.write() as conn:  # the answer was lost: the till sends it again
        conn.execute("UPDATE zreports SET sent_at = NULL")
    closed_shift.loop.round()
    assert [r["id"] for r in reports(chain)] == [row["id"]]
    assert all(sent is not None for _, sent in queued(closed_shift))


@pytest.fixture
def finance_person(chain: Chain) -> str:
    ledger = chain.server.ledger
    assert ledger is not None
    now = int(time.time())
    with ledger.db.write() as uow:
        create_person(uow, "fin", "Kế toán", Role.FINANCE, None, now)
        signin.set_password(uow, "fin", PASSWORD, now, must_change=False)
    return "fin"


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_finance_sees_it_beside_the_daily_settlement(
    closed_shift: AgentRuntime, chain: Chain, finance_person: str, browser: object,
    width: int, tmp_path: Path,
) -> None:  # fmt: skip
    url = chain.server.url
    page = browser.new_page(viewport={"width": width, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
    sign_in(page, url, finance_person)
    page.wait_for_selector("#nav")
    for lang, heading, difference in (("vi", "Báo cáo ca (Z)", "-10.000 ₫"),
                                      ("en", "Shift (Z) reports", "-10.000 ₫")):  # fmt: skip
        page.goto(url + f"/admin/finance/settlement?lang={lang}")
        assert page.inner_text("#shifts-heading") == heading
        table = page.inner_text("#report-shifts")
        assert "Lan" in table and TERMINAL in table and difference in table
        assert "790.000 ₫" in table and "800.000 ₫" in table
        assert heading in page.inner_text("#nav")
        assert fits(page), f"the settlement page scrolls sideways at {width} px ({lang})"
    with page.expect_download() as info:
        page.click("#shifts-xlsx")
    data = io.BytesIO(Path(info.value.path()).read_bytes())
    rows = list(load_workbook(data).active.iter_rows(values_only=True))
    assert rows[0][3] == "Staff" and rows[1][3] == "Lan"
    assert rows[1][-1] == -10_000 and rows[-1][-1] == -10_000  # the row, and the total
