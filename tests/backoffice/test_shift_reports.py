"""Shift (Z) reports at the ledger: a terminal's signed report is kept once for the terminal's
own store (a resend answers `exists`), a malformed one is refused, and the back office shows
them per store and day with CSV and XLSX exports, store scopes held. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from cardsvc.protocol.client import LedgerRefused
from tests.backoffice.office import Browser, make_person
from tests.ledger.world import Till, World

CLOSED = 1_750_000_000  # 15/06/2025 22:06 in Hồ Chí Minh City


def z(shift_no: int, **fields: Any) -> dict[str, Any]:
    return {"shift_no": shift_no, "staff": "Lan", "opened_at": CLOSED - 8 * 3600,
            "closed_at": CLOSED, "opening_float": 500_000, "cash_sold": 1_200_000,
            "refunds": 1, "refunded": 50_000, "counted_cash": 1_690_000, "operations": 9,
            **fields}  # fmt: skip


@pytest.fixture
def tills(world: World) -> tuple[Till, Till]:
    t1, t2 = world.till("T1", "S1"), world.till("T2", "S2")
    assert t1.client.send_shift_report(z(1)) == "stored"
    assert t2.client.send_shift_report(z(1, staff="Minh", counted_cash=None)) == "stored"
    make_person(world, "fin", "finance")
    make_person(world, "anna", "staff", "S1")
    return t1, t2


def signed_in(world: World, who: str) -> Browser:
    b = Browser(world)
    assert b.sign_in(who).status_code == 303
    return b


def rows(world: World) -> list[dict[str, Any]]:
    with world.ledger.db.read() as uow:
        return uow.shift_reports.closed_between(0, 2**40, None)


def test_kept_once_for_the_terminals_store(world: World, tills: tuple[Till, Till]) -> None:
    t1, _ = tills
    assert t1.client.send_shift_report(z(1)) == "exists"
    assert t1.client.send_shift_report(z(1, cash_sold=1)) == "exists"  # the first one stands
    found = {(r["terminal_id"], r["store_id"], r["staff"], r["difference"]) for r in rows(world)}
    assert found == {("T1", "S1", "Lan", -10_000), ("T2", "S2", "Minh", None)}
    kept = next(r for r in rows(world) if r["terminal_id"] == "T1")
    assert (kept["cash_sold"], kept["expected_cash"]) == (1_200_000, 1_700_000)


@pytest.mark.parametrize("bad", [{"closed_at": CLOSED - 9 * 3600}, {"cash_sold": -1},
                                 {"store_id": "S2"}, {"staff": ""}])  # fmt: skip
def test_a_malformed_report_is_refused(
    world: World, tills: tuple[Till, Till], bad: dict[str, Any]
) -> None:
    t1, _ = tills
    with pytest.raises(LedgerRefused) as refused:
        t1.client.send_shift_report(z(2, **bad))
    assert refused.value.status == 422 and len(rows(world)) == 2


def test_page_and_exports_per_store_and_day(world: World, tills: tuple[Till, Till]) -> None:
    period = "start=2025-06-15&end=2025-06-15"
    fin = signed_in(world, "fin")
    page = fin.get(f"/admin/finance/settlement?{period}&lang=en").text
    assert 'id="report-shifts"' in page and "Lan" in page and "Minh" in page
    answer = fin.get(f"/admin/finance/shifts?{period}&format=csv")
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:4] == ["Day", "Store", "Terminal", "Staff"]  # the language chosen above
    assert [line[3] for line in lines[1:-1]] == ["Lan", "Minh"]
    assert lines[1][0] == "15/06/2025" and lines[-1][-2] == "1690000"  # counted: Lan only
    xlsx = fin.get(f"/admin/finance/shifts?{period}&format=xlsx")
    sheet = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert sheet[-1][-1] == -10_000 and sheet[-1][-3] == 3_400_000  # expected cash, both
    anna = signed_in(world, "anna")  # staff of S1: S1's shifts only, on the page and in files
    mine = anna.get(f"/admin/finance/shifts?{period}&format=csv").content.decode("utf-8-sig")
    assert "Lan" in mine and "Minh" not in mine
    assert anna.get(f"/admin/finance/shifts?{period}&store=S2").status_code == 403
    assert anna.get(f"/admin/finance/settlement?{period}&store=S2").status_code == 403
