"""The back office in a real headless Chromium: every page, both languages, a phone (390 px)
and a desk (1280 px) wide, signed in as each role."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backoffice.office import PASSWORD, make_person
from tests.ledger.world import World
from tests.support import chromium, serving

WIDTHS = (390, 1280)
ADMIN_PAGES = (
    "/admin/", "/admin/finance", "/admin/finance?grain=week", "/admin/finance/settlement",
    "/admin/finance/shifts", "/admin/finance/clearing", "/admin/finance/breakage",
    "/admin/finance/liability", "/admin/finance/journal", "/admin/reconciliation",
    "/admin/stores", "/admin/programs", "/admin/terminals", "/admin/keys", "/admin/campaigns",
    "/admin/hotlist", "/admin/people", "/admin/people/anna", "/admin/audit", "/admin/account",
)  # fmt: skip
STAFF_PAGES = ("/admin/", "/admin/finance", "/admin/finance/settlement", "/admin/finance/shifts",
               "/admin/finance/clearing", "/admin/hotlist", "/admin/account")  # fmt: skip


@pytest.fixture
def served(world: World) -> Iterator[str]:
    make_person(world, "boss", "admin")
    make_person(world, "anna", "staff", "S1")
    till = world.till("T1", "S1")
    assert till.do("issue", "C1", 500_000, program="PREPAID").code == "ok"
    assert till.do("redeem", "C1", 120_000).code == "ok"
    with serving(world._app_client.app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def sign_in(page: object, url: str, who: str, password: str = PASSWORD) -> None:
    page.goto(url + "/admin/")  # type: ignore[attr-defined]
    page.fill("#username", who)  # type: ignore[attr-defined]
    page.fill("#password", password)  # type: ignore[attr-defined]
    page.click("#submit")  # type: ignore[attr-defined]


def focused(page: object) -> str:
    return str(page.evaluate("document.activeElement.id"))  # type: ignore[attr-defined]


def fits(page: object) -> bool:
    return not page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth > window.innerWidth + 1"
    )


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_admin_walks_every_page_in_both_languages(served: str, browser: object, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    sign_in(page, served, "boss")
    page.wait_for_selector("#nav")
    assert page.locator("html").get_attribute("lang") == "vi"
    for lang, people_title in (("vi", "Nhân sự"), ("en", "People")):
        page.goto(served + f"/admin/?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert people_title in page.inner_text("#nav")
        for path in ADMIN_PAGES:
            response = page.goto(served + path)
            assert response is not None and response.status == 200, path
            assert page.locator("h1").count() >= 1
            assert fits(page), f"{path} scrolls sideways at {width} px"
    page.click("#signout")
    page.wait_for_selector("#signin-form")


@pytest.mark.browser
def test_sign_in_refusals_and_lock_out_in_the_browser(served: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 800})  # type: ignore[attr-defined]
    page.goto(served + "/admin/?lang=en")
    assert focused(page) == "username"  # the cursor waits where the user types first
    for _ in range(4):
        sign_in(page, served, "anna", "wrong-password-1")
        assert "username or password is not right" in page.inner_text("#error")
        assert focused(page) == "password"  # the name is kept: retype only the password
    sign_in(page, served, "anna", "wrong-password-1")
    assert "locked" in page.inner_text("#error")
    assert fits(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_staff_sees_their_pages_and_no_admin_page(served: str, browser: object, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    sign_in(page, served, "anna")
    page.wait_for_selector("#nav")
    assert "Nhân sự" not in page.inner_text("#nav")
    for lang in ("vi", "en"):
        page.goto(served + f"/admin/?lang={lang}")
        for path in STAFF_PAGES:
            response = page.goto(served + path)
            assert response is not None and response.status == 200, path
            assert fits(page), f"{path} scrolls sideways at {width} px"
    for path in ("/admin/people", "/admin/finance/journal", "/admin/stores"):
        response = page.goto(served + path + "?lang=vi")
        assert response is not None and response.status == 403
        assert "không có quyền" in page.inner_text("#heading")
    response = page.goto(served + "/admin/finance/settlement?store=S2")
    assert response is not None and response.status == 403


@pytest.mark.browser
def test_the_dashboard_chart_is_readable_on_a_phone(served: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    sign_in(page, served, "boss")
    page.goto(served + "/admin/finance")
    heights = page.eval_on_selector_all(
        "#chart svg text", "texts => texts.map(t => t.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 10  # its 11-12 px type, not shrunk to a third
    assert fits(page)  # the chart scrolls inside its card; the page does not


@pytest.mark.browser
def test_finance_downloads_an_export_and_picks_dates(served: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
    sign_in(page, served, "boss")
    page.goto(served + "/admin/finance/clearing?lang=en")
    page.fill("#start", "2025-06-01")
    page.fill("#end", "2025-06-30")
    page.click("#apply")
    assert "pays the scheme 380.000 ₫" in page.inner_text("#in-words")
    with page.expect_download() as info:
        page.click("#xlsx")
    from openpyxl import load_workbook

    assert info.value.suggested_filename.endswith(".xlsx")
    data = io.BytesIO(Path(info.value.path()).read_bytes())
    rows = list(load_workbook(data).active.iter_rows(values_only=True))
    assert rows[-1][0] == "Total" and rows[-1][4] == -380_000


@pytest.mark.browser
def test_people_created_and_a_form_replayed_without_its_token_is_refused(
    served: str, browser: object
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    sign_in(page, served, "boss")
    page.goto(served + "/admin/people?lang=en")
    page.fill("#id", "binh")
    page.fill("#name", "Trần Bình")
    page.select_option("#role", "staff")
    page.select_option("#store", "S2")
    page.click("#create")
    assert "binh created" in page.inner_text("#created")
    assert "Trần Bình" in page.inner_text("#people")
    # the same form with its CSRF field removed, as a forged page would send it
    page.evaluate("document.querySelector('#new-person input[name=csrf]').remove()")
    page.fill("#id", "mallory")
    page.fill("#name", "Mallory")
    page.click("#create")
    assert "did not come from this site" in page.inner_text("#heading")


@pytest.mark.browser
def test_red_banner_when_a_posting_is_changed_behind_the_ledger(
    world: World, served: str, browser: object
) -> None:
    from sqlalchemy import select, update

    from cardsvc.storage.schema import postings

    page = browser.new_page(viewport={"width": 390, "height": 900})  # type: ignore[attr-defined]
    sign_in(page, served, "boss")
    page.goto(served + "/admin/finance/liability?lang=en")
    assert page.locator("#banner").count() == 0
    with world.ledger.db.engine.begin() as conn:
        first = conn.execute(
            select(postings.c.id).where(postings.c.account == "i:C1").limit(1)
        ).scalar_one()
        conn.execute(update(postings).where(postings.c.id == first)
                     .values(amount=postings.c.amount + 1000))  # fmt: skip
    page.click("#check-now")
    page.wait_for_selector("#banner")
    assert "does not equal the journal" in page.inner_text("#banner")
    assert "do NOT equal" in page.inner_text("#check-result")
    page.goto(served + "/admin/people")
    assert page.locator("#banner").is_visible()
    assert fits(page)


@pytest.mark.browser
def test_docs_work_without_the_internet(served: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    outside: list[str] = []

    def only_local(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(served):
            route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(url)
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", only_local)
    page.goto(served + "/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 10
    assert outside == []
