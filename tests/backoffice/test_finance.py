"""Finance pages and their exports over real journals: totals equal the API's, files read back
with the library, store scopes hold for pages and files, and the red banner appears when a
posting is changed behind the ledger's back. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from cardsvc.backoffice.fmt import ZONE
from cardsvc.storage.schema import postings
from tests.backoffice.office import Browser, make_person
from tests.ledger.world import DAY, World, expect

DAY_PARAMS = "start=2025-06-01&end=2025-06-30"


@pytest.fixture
def books(world: World) -> World:
    """Sales and redemptions at two stores over two days (the clock starts 15/06/2025)."""
    t1, t2 = world.till("T1", "S1"), world.till("T2", "S2")
    assert t1.do("issue", "C1", 500_000, program="PREPAID").code == "ok"
    assert t1.do("issue", "V1", 50_000, program="VOUCHER", funding="promotion").code == "ok"
    assert t2.do("redeem", "C1", 120_000).code == "ok"
    world.clock.advance(DAY)
    assert t2.do("issue", "G1", 1_000_000, program="GIFT").code == "ok"
    assert t1.do("redeem", "G1", 300_000).code == "ok"
    make_person(world, "boss", "admin")
    make_person(world, "fin", "finance")
    make_person(world, "anna", "staff", "S1")
    return world


def signed_in(world: World, who: str) -> Browser:
    b = Browser(world)
    assert b.sign_in(who).status_code == 303
    return b


def api_clearing(world: World) -> dict[str, dict[str, int]]:
    start = int(datetime(2025, 6, 1, tzinfo=ZONE).timestamp())
    end = int(datetime(2025, 7, 1, tzinfo=ZONE).timestamp())
    body = expect(world.get(f"/v1/reports/clearing?start={start}&end={end}"))
    return {s["store"]: s for s in body["stores"] if s["unit"] == "VND"}


def test_clearing_export_equals_the_api(books: World) -> None:
    b = signed_in(books, "fin")
    api = api_clearing(books)
    answer = b.get(f"/admin/finance/clearing?{DAY_PARAMS}&format=xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Cửa hàng" and rows[-1][0] == "Tổng cộng"
    by_name = {r[0]: r for r in rows[1:-1]}
    assert set(by_name) == {"Cửa hàng S1", "Cửa hàng S2"}  # names, not ids
    for store_id, line in api.items():
        row = by_name[f"Cửa hàng {store_id}"]
        assert (row[1], row[2], row[4]) == (line["cash_in"], line["redeemed"], line["net_due"])
    assert rows[-1][4] == sum(line["net_due"] for line in api.values())
    assert sheet.cell(2, 2).number_format == '#,##0 "₫"'


def test_settlement_csv_is_for_vietnamese_spreadsheets(books: World) -> None:
    b = signed_in(books, "fin")
    answer = b.get(f"/admin/finance/settlement?{DAY_PARAMS}&format=csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the diacritics
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Ngày", "Cửa hàng", "Tiền mặt thu"]
    assert rows[1][0] == "15/06/2025"
    s1_day1 = next(r for r in rows if r[0] == "15/06/2025" and r[1] == "Cửa hàng S1")
    assert s1_day1[2:5] == ["500000", "0", "50000"]  # cash taken, redeemed, promotion
    assert rows[-1][0] == "Tổng cộng"
    assert int(rows[-1][2]) == 1_500_000 and int(rows[-1][3]) == 420_000


def test_page_says_the_sign_of_net_due_in_words(books: World) -> None:
    b = signed_in(books, "fin")
    page = b.get(f"/admin/finance/clearing?{DAY_PARAMS}&lang=en").text
    assert "The scheme pays Cửa hàng S2" not in page  # S2 took 1.000.000 ₫ and gave 120.000 ₫
    assert "Cửa hàng S2 pays the scheme 880.000 ₫." in page
    assert "Cửa hàng S1 pays the scheme 200.000 ₫." in page  # 500.000 cash, 300.000 spent


def test_dashboard_chart_and_movements(books: World) -> None:
    b = signed_in(books, "fin")
    page = b.get("/admin/finance?start=2025-06-14&end=2025-06-17&grain=day").text
    assert "<svg" in page and "<polyline" in page and "Thẻ trả trước" in page
    answer = b.get("/admin/finance?start=2025-06-14&end=2025-06-17&grain=day&format=xlsx")
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:-1]] == [datetime(2025, 6, d) for d in (14, 15, 16, 17)]
    totals = rows[-1]
    assert totals[1:] == (1_500_000, 420_000, 0, 50_000)  # sold, redeemed, expired, promotion


def test_journal_export_balances_and_maps_to_the_chart(books: World) -> None:
    b = signed_in(books, "fin")
    answer = b.get(f"/admin/finance/journal?{DAY_PARAMS}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    body, totals = rows[1:-1], rows[-1]
    assert totals[8] == totals[9] > 0  # debits equal credits
    with books.ledger.db.engine.connect() as conn:
        assert len(body) == len(conn.execute(select(postings.c.id)).all())
    accounts = {r[5] for r in body}
    assert {"3387", "1111", "5111", "6418"} <= accounts
    admin = signed_in(books, "boss")
    fields = {f"code_{k}": c for k, c in
              (("i", "3387"), ("cash", "1121"), ("settle", "5111"), ("promo", "6418"),
               ("breakage", "711"), ("writeoff", "811"))}  # fmt: skip
    names = {f"name_{k}": "x" for k in ("i", "cash", "settle", "promo", "breakage", "writeoff")}
    assert admin.post_form("/admin/finance/journal", "/admin/finance/accounts",
                           fields | names).status_code == 303  # fmt: skip
    again = b.get(f"/admin/finance/journal?{DAY_PARAMS}&format=csv").content.decode("utf-8-sig")
    assert ";1121;x;" in again and ";1111;" not in again
    assert "accounts.map" in admin.get("/admin/audit").text


def test_staff_of_one_store_cannot_see_another_stores_reports(books: World) -> None:
    anna = signed_in(books, "anna")
    own = anna.get(f"/admin/finance/settlement?{DAY_PARAMS}&format=csv").content.decode("utf-8-sig")
    assert "Cửa hàng S1" in own and "Cửa hàng S2" not in own
    for path in ("/admin/finance/settlement", "/admin/finance/clearing", "/admin/finance"):
        for fmt in ("html", "csv", "xlsx"):
            refused = anna.get(f"{path}?{DAY_PARAMS}&store=S2&format={fmt}")
            assert refused.status_code == 403, (path, fmt)
    for path in ("/admin/finance/journal", "/admin/finance/breakage", "/admin/finance/liability"):
        assert anna.get(f"{path}?format=csv").status_code == 403


def test_scoped_finance_sees_its_store_only(books: World) -> None:
    make_person(books, "fin2", "finance", "S2")
    b = signed_in(books, "fin2")
    journal = b.get(f"/admin/finance/journal?{DAY_PARAMS}&format=csv").content.decode("utf-8-sig")
    assert ";S2;" in journal and ";S1;" not in journal
    assert b.get(f"/admin/finance/journal?{DAY_PARAMS}&store=S1").status_code == 403


def test_banner_when_a_posting_is_tampered_with(books: World) -> None:
    b = signed_in(books, "fin")
    assert 'id="banner"' not in b.get("/admin/finance").text
    with books.ledger.db.engine.begin() as conn:
        first = conn.execute(
            select(postings.c.id).where(postings.c.account == "i:C1").limit(1)
        ).scalar_one()
        conn.execute(update(postings).where(postings.c.id == first)
                     .values(amount=postings.c.amount + 1))  # fmt: skip
    assert 'id="banner"' not in b.get("/admin/finance").text  # checked daily ...
    b.post_form("/admin/finance/liability", "/admin/finance/liability/check", {})  # ... or now
    page = b.get("/admin/finance/liability").text
    assert 'id="banner"' in page and "không khớp" in page
    assert 'id="banner"' not in signed_in(books, "anna").get("/admin/").text  # finance matter
    assert 'id="banner"' in signed_in(books, "boss").get("/admin/").text
    with books.ledger.db.engine.begin() as conn:  # put it back: the next daily check clears it
        conn.execute(update(postings).where(postings.c.id == first)
                     .values(amount=postings.c.amount - 1))  # fmt: skip
    assert 'id="banner"' in b.get("/admin/finance").text
    books.clock.advance(DAY)
    assert 'id="banner"' not in b.get("/admin/finance").text


def test_breakage_recognised_with_postings(books: World) -> None:
    """GIFT cards are valid 30 days: G1 (700.000 ₫ left) lapses, and one click expires it."""
    books.clock.advance(31 * DAY)
    b = signed_in(books, "fin")
    done = b.post_form("/admin/finance/breakage", "/admin/finance/breakage/recognise", {})
    assert done.status_code == 303 and done.headers["location"].endswith("expired=1")
    assert books.view("G1")["status"] == "expired"
    page = b.get("/admin/finance/breakage?start=2025-07-01&end=2025-07-31&format=csv")
    rows = list(csv.reader(io.StringIO(page.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["07/2025", "Thẻ quà tặng", "Cửa hàng S2", "700000"]  # a month, not a day
    shown = b.get("/admin/finance/breakage?start=2025-07-01&end=2025-07-31").text
    assert '<td class="">07/2025</td>' in shown
    with books.ledger.db.engine.connect() as conn:
        moved = (
            conn.execute(select(postings.c.amount).where(postings.c.account == "breakage:GIFT"))
            .scalars()
            .all()
        )
    assert moved == [700_000]
    again = b.post_form("/admin/finance/breakage", "/admin/finance/breakage/recognise", {})
    assert again.headers["location"].endswith("expired=0")


REPORTS = tuple(
    "/admin/finance" + p
    for p in ("", "/settlement", "/clearing", "/breakage", "/liability", "/journal")
)


def test_every_export_reads_back_and_csv_equals_xlsx(books: World) -> None:
    b = signed_in(books, "fin")
    for path in REPORTS:
        xlsx = b.get(f"{path}?{DAY_PARAMS}&format=xlsx")
        csv_answer = b.get(f"{path}?{DAY_PARAMS}&format=csv")
        assert xlsx.status_code == csv_answer.status_code == 200, path
        assert "attachment" in xlsx.headers["content-disposition"]
        sheet = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
        text = csv_answer.content.decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert len(sheet) == len(lines), path
        assert list(sheet[0]) == lines[0], path
        total_x, total_c = sheet[-1], lines[-1]
        assert total_x[0] == total_c[0] == "Tổng cộng", path
        for x, c in zip(total_x[1:], total_c[1:], strict=True):
            if isinstance(x, int):
                assert str(x) == c, path


def test_liability_export_equals_the_api(books: World) -> None:
    b = signed_in(books, "fin")
    api = expect(books.get("/v1/reports/liability"))
    vnd = sum(p["balance"] for p in api["programs"] if p["unit"] == "VND")
    xlsx = b.get("/admin/finance/liability?format=xlsx")
    sheet = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert sheet[-1][0] == "Tổng cộng" and sheet[-1][3] == vnd
