"""The back office in a real headless Chromium: every page, both languages, a phone (390 px)
and a desk (1280 px) wide, signed in as each role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backoffice.office import PASSWORD, make_person
from tests.ledger.world import World
from tests.support import CHROMIUM, CHROMIUM_ARGS, serving

WIDTHS = (390, 1280)
ADMIN_PAGES = ("/admin/", "/admin/people", "/admin/people/anna", "/admin/audit", "/admin/account")


@pytest.fixture
def served(world: World) -> Iterator[str]:
    make_person(world, "boss", "admin")
    make_person(world, "anna", "staff", "S1")
    with serving(world._app_client.app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in(page: object, url: str, who: str, password: str = PASSWORD) -> None:
    page.goto(url + "/admin/")  # type: ignore[attr-defined]
    page.fill("#username", who)  # type: ignore[attr-defined]
    page.fill("#password", password)  # type: ignore[attr-defined]
    page.click("#submit")  # type: ignore[attr-defined]


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
    for _ in range(4):
        sign_in(page, served, "anna", "wrong-password-1")
        assert "username or password is not right" in page.inner_text("#error")
    sign_in(page, served, "anna", "wrong-password-1")
    assert "locked" in page.inner_text("#error")
    assert fits(page)


@pytest.mark.browser
def test_staff_sees_no_admin_page(served: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    sign_in(page, served, "anna")
    page.wait_for_selector("#nav")
    assert "Nhân sự" not in page.inner_text("#nav")
    response = page.goto(served + "/admin/people")
    assert response is not None and response.status == 403
    assert "không có quyền" in page.inner_text("#heading")


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
