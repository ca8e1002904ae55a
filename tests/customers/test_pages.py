"""The sign-up and feedback pages: over HTTP (every refusal in words, nothing lost, rate
limits), and in a real headless Chromium at phone (390 px) and desktop (1280 px) widths in
Vietnamese and English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.customers.helpers import card, give, sign_up
from tests.ledger.world import Till, World, expect
from tests.support import chromium, serving

FORM = {"phone": "0909 421 800", "name": "Nguyễn Thị Lan", "birth_day": "29",
        "birth_month": "2", "birth_year": "", "email": "", "ref": "", "store": "S1",
        "consent": "yes", "lang": "vi"}  # fmt: skip


def test_join_over_http(world: World) -> None:
    page = world.http.get("/join?ref=ABCD2345&store=S1")
    assert page.status_code == 200 and 'value="ABCD2345"' in page.text
    bad = world.http.post("/join", data={**FORM, "phone": "12345", "ref": ""})
    assert bad.status_code == 422 and "Số điện thoại không hợp lệ" in bad.text
    assert 'value="Nguyễn Thị Lan"' in bad.text  # what was typed is kept
    made = world.http.post("/join", data=FORM)
    assert made.status_code == 201 and "Chào mừng Nguyễn Thị Lan!" in made.text
    assert "<svg" in made.text
    [row] = expect(world.get("/v1/customers?phone=0909421800"))["customers"]
    assert row["created_via"] == "page" and row["consent"]["via"] == "page"
    assert row["home_store"] == "S1" and row["birthday"]["day"] == 29
    again = world.http.post("/join", data={**FORM, "lang": "en"})
    assert again.status_code == 409 and "already a member" in again.text
    friend = world.http.post(
        "/join", data={**FORM, "phone": "0912345678", "ref": row["referral_code"].lower()}
    )
    assert friend.status_code == 201
    referred = expect(world.get("/v1/customers?phone=0912345678"))["customers"][0]
    assert referred["referred_by"] == row["id"] and referred["consent"]["given"]


def test_pages_are_rate_limited(world: World) -> None:
    c = world.ledger.customers
    c.settings = c.settings.model_copy(update={"public_burst": 2, "public_per_minute": 1.0})
    c.__post_init__()
    codes = [world.http.post("/join", data={**FORM, "phone": "x"}).status_code for _ in range(3)]
    assert codes == [422, 422, 429]
    limited = world.http.post("/join", data=FORM)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert expect(world.get("/v1/customers?phone=0909421800"))["customers"] == []


def test_feedback_over_http(world: World, till: Till) -> None:
    lan = sign_up(world, "0909421800")
    purse, m = card(till, "P-1", amount=300_000), card(till, "M-1", "MEMBER")
    give(world, lan["id"], purse)
    give(world, lan["id"], m)
    sale = till.tx("redeem", purse, 80_000)
    till.send(sale)
    assert world.http.get("/feedback/nope").status_code == 404
    form = world.http.get(f"/feedback/{sale.id}?lang=en")
    assert form.status_code == 200 and "Cửa hàng S1" in form.text
    none = world.http.post(f"/feedback/{sale.id}", data={"rating": "", "lang": "en"})
    assert none.status_code == 422 and "choose 1 to 5 stars" in none.text
    done = world.http.post(
        f"/feedback/{sale.id}", data={"rating": "2", "comment": "Chậm", "lang": "en"}
    )
    assert done.status_code == 201 and "20 points" in done.text and 'id="case"' in done.text
    assert world.http.get(f"/feedback/{sale.id}").status_code == 409
    again = world.http.post(f"/feedback/{sale.id}", data={"rating": "5", "lang": "vi"})
    assert again.status_code == 409 and "đã được góp ý" in again.text
    assert expect(world.get(f"/v1/instruments/{m}"))["balance"] == 20


# --- in Chromium ------------------------------------------------------------------------------

VIEWPORTS = [pytest.param({"width": 390, "height": 844}, id="390"),
             pytest.param({"width": 1280, "height": 800}, id="1280")]  # fmt: skip


@pytest.fixture
def site(world: World) -> Iterator[str]:
    with serving(world._app_client.app) as url:  # type: ignore[arg-type]
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_sign_up_in_a_browser(world: World, site: str, browser: Any,
                              viewport: dict[str, int]) -> None:  # fmt: skip
    page = browser.new_page(viewport=viewport, is_mobile=viewport["width"] < 500)
    page.goto(site + "/join?store=S1")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Đăng ký thành viên" in page.inner_text("h1")
    _fits(page)
    page.fill("#phone", "0909 421 800")
    page.fill("#name", "Nguyễn Thị Lan")
    page.select_option("#birth_day", "30")
    page.select_option("#birth_month", "2")
    page.check("#consent")
    page.click("#submit")
    assert "Ngày sinh không hợp lệ" in page.inner_text("#message")
    assert page.input_value("#name") == "Nguyễn Thị Lan"  # nothing typed is lost
    page.select_option("#birth_day", "14")
    page.click("#submit")
    page.wait_for_selector("#welcome")
    code = page.inner_text("#referral-code")
    assert "Chào mừng Nguyễn Thị Lan!" in page.inner_text("#welcome") and len(code) == 8
    assert page.locator("#referral svg").count() == 1
    _fits(page)
    # A friend opens the referral link, switches to English and signs up.
    page.goto(site + f"/join?ref={code}")
    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.input_value("#ref") == code
    page.fill("#phone", "+84 912 345 678")
    page.fill("#name", "Tom")
    page.select_option("#birth_day", "1")
    page.select_option("#birth_month", "12")
    page.click("#submit")
    page.wait_for_selector("#welcome")
    assert "Welcome, Tom!" in page.inner_text("#welcome")
    _fits(page)
    page.goto(site + "/join?lang=en")
    page.fill("#phone", "0909421800")
    page.fill("#name", "Lan again")
    page.select_option("#birth_day", "1")
    page.select_option("#birth_month", "1")
    page.click("#submit")
    assert "already a member" in page.inner_text("#message")
    tom = expect(world.get("/v1/customers?phone=0912345678"))["customers"][0]
    assert tom["lang"] == "en" and tom["referred_by"] is not None and not tom["consent"]["given"]


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_feedback_in_a_browser(world: World, till: Till, site: str, browser: Any,
                               viewport: dict[str, int]) -> None:  # fmt: skip
    sales = [till.tx("issue", f"P-{n}", 100_000, program="PREPAID") for n in range(2)]
    till.send(*sales)
    page = browser.new_page(viewport=viewport, is_mobile=viewport["width"] < 500)
    page.goto(site + f"/feedback/{sales[0].id}")
    assert "Góp ý về lần mua hàng" in page.inner_text("h1")
    assert "Cửa hàng S1" in page.inner_text("#receipt")
    _fits(page)
    page.click("label[for=rating-1]")
    page.fill("#comment", "Phải chờ 20 phút")
    page.click("#submit")
    page.wait_for_selector("#thanks")
    assert "Cảm ơn bạn đã góp ý!" in page.inner_text("#thanks")
    assert "Quản lý cửa hàng sẽ liên hệ" in page.inner_text("#case")
    page.goto(site + f"/feedback/{sales[0].id}")
    assert "đã được góp ý" in page.inner_text("#message")
    page.goto(site + f"/feedback/{sales[1].id}?lang=en")
    assert "Tell us about your visit" in page.inner_text("h1")
    stars = page.locator("#feedback-form .star .sr").all_text_contents()
    assert stars == ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]  # read aloud
    page.click("#submit")  # no stars chosen: the browser asks for one (required)
    assert page.locator("#thanks").count() == 0
    page.click("label[for=rating-5]")
    page.click("#submit")
    page.wait_for_selector("#thanks")
    assert "Thank you for your feedback!" in page.inner_text("#thanks")
    assert page.locator("#case").count() == 0
    _fits(page)
    with world.ledger.db.read() as uow:
        assert [c.receipt_id for c in uow.feedback.cases("S1", ["open"], 10)] == [sales[0].id]
