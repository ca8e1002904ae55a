"""Signing in to the back office: password, lock-out, TOTP, sessions, CSRF on every form,
roles on every page. Over HTTP on the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from cardsvc.services import passwords
from cardsvc.storage.backoffice_tables import backoffice_sessions
from tests.backoffice.office import PASSWORD, Browser, make_person
from tests.ledger.world import World


def test_sign_in_sets_a_hardened_cookie_and_shows_the_overview(world: World) -> None:
    make_person(world, "boss", "admin")
    b = Browser(world)
    answer = b.sign_in("boss")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/"
    cookie = answer.headers["set-cookie"]
    assert "cs_admin=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http here; https marks it Secure
    page = b.get("/admin/")
    assert page.status_code == 200 and "boss" in page.text
    assert 'href="/admin/people"' in page.text and 'href="/admin/audit"' in page.text
    token = b.http.cookies["cs_admin"]
    with world.ledger.db.engine.connect() as conn:  # only the hash of the cookie is kept
        stored = list(conn.execute(select(backoffice_sessions.c.id_hash)).scalars())
    assert len(stored) == 1 and token not in stored


def test_cookie_is_secure_over_https(world: World) -> None:
    make_person(world, "boss", "admin")
    b = Browser(world)
    b.http.base_url = httpx.URL("https://testserver")
    answer = b.sign_in("boss")
    assert "Secure" in answer.headers["set-cookie"]


def test_pages_need_a_session(world: World) -> None:
    b = Browser(world)
    answer = b.get("/admin/people")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/signin?next=/admin/people"


def test_wrong_password_and_unknown_name_answer_alike(world: World) -> None:
    make_person(world, "boss", "admin")
    b = Browser(world)
    wrong, unknown = b.sign_in("boss", "not-the-password"), b.sign_in("nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.text
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in unknown.text


def test_lock_out_after_repeated_failures_then_it_lifts(world: World) -> None:
    make_person(world, "boss", "admin")
    b = Browser(world)
    for _ in range(4):
        assert b.sign_in("boss", "wrong-password-x").status_code == 401
    locked = b.sign_in("boss", "wrong-password-x")
    assert locked.status_code == 429 and "15 phút" in locked.text
    assert b.sign_in("boss").status_code == 429  # even the right password, while locked
    world.clock.advance(15 * 60 + 1)
    assert b.sign_in("boss").status_code == 303


def test_a_success_resets_the_failure_count(world: World) -> None:
    make_person(world, "boss", "admin")
    b = Browser(world)
    for _ in range(4):
        b.sign_in("boss", "wrong-password-x")
    assert b.sign_in("boss").status_code == 303
    for _ in range(4):
        assert b.sign_in("boss", "wrong-password-x").status_code == 401


def test_forms_without_the_csrf_token_are_refused(world: World) -> None:
    make_person(world, "boss", "admin")
    b = Browser(world)
    b.sign_in("boss")
    body = {"id": "eve", "name": "Eve", "role": "admin", "store": ""}
    refused = b.http.post("/admin/people", data=body)
    assert refused.status_code == 403 and "Biểu mẫu đã hết hạn" in refused.text
    forged = b.http.post("/admin/people", data={**body, "csrf": "x" * 32})
    assert forged.status_code == 403
    other_site = b.http.post("/admin/people", data={**body, "csrf": b.csrf("/admin/people")},
                             headers={"Origin": "https://evil.example"})  # fmt: skip
    assert other_site.status_code == 403
    with world.ledger.db.read() as uow:
        assert uow.people.get("eve") is None
    # the sign-in form has its own token (there is no session yet)
    no_token = {"username": "boss", "password": PASSWORD}
    assert b.http.post("/admin/signin", data=no_token).status_code == 403


def test_staff_and_finance_see_only_their_pages(world: World) -> None:
    make_person(world, "anna", "staff", "S1")
    make_person(world, "fin", "finance")
    for who in ("anna", "fin"):
        b = Browser(world)
        b.sign_in(who)
        home = b.get("/admin/")
        assert 'href="/admin/people"' not in home.text
        assert b.get("/admin/people").status_code == 403
        assert b.get("/admin/audit").status_code == 403
        assert b.get("/admin/people/anna").status_code == 403


def test_disabling_a_person_ends_their_sessions_at_once(world: World) -> None:
    make_person(world, "boss", "admin")
    make_person(world, "fin", "finance")
    admin, fin = Browser(world), Browser(world)
    admin.sign_in("boss")
    fin.sign_in("fin")
    assert fin.get("/admin/").status_code == 200
    fields = {"name": "fin", "role": "finance", "store": "", "disabled": "on"}
    saved = admin.post_form("/admin/people/fin", "/admin/people/fin", fields)
    assert saved.status_code == 303
    assert fin.get("/admin/").status_code == 303
    assert fin.sign_in("fin").status_code == 401
    log = admin.get("/admin/audit?q=fin").text
    assert "person.update" in log and "disabled: True" in log


def test_totp_second_factor(world: World) -> None:
    make_person(world, "fin", "finance")
    b = Browser(world)
    b.sign_in("fin")
    start = b.post_form("/admin/account", "/admin/account/totp", {})
    secret = start.text.split('id="totp-secret">')[1].split("<")[0]
    assert "<svg" in start.text
    code = passwords.totp(secret, world.clock())
    not_it = "000000" if code != "000000" else "111111"
    confirm = "/admin/account/totp/confirm"
    wrong = b.post_form("/admin/account", confirm, {"secret": secret, "code": not_it})
    assert wrong.status_code == 422
    ok = b.post_form("/admin/account", confirm, {"secret": secret, "code": code})
    assert ok.status_code == 303
    again = Browser(world)
    answer = again.sign_in("fin")
    assert answer.headers["location"] == "/admin/code"
    assert again.get("/admin/").headers["location"] == "/admin/code"
    bad = again.post_form("/admin/code", "/admin/code", {"code": "12345"})
    assert bad.status_code == 401
    good = again.post_form(
        "/admin/code", "/admin/code", {"code": passwords.totp(secret, world.clock())}
    )
    assert good.status_code == 303
    assert again.get("/admin/").status_code == 200


def test_totp_matches_rfc_6238_vectors() -> None:
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    # RFC 6238 appendix B, SHA-1, 8 digits
    for at, code in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"),
                     (2000000000, "69279037")):  # fmt: skip
        assert passwords.totp(secret, at, digits=8) == code


def test_password_hash_is_scrypt_and_verifies() -> None:
    stored = passwords.hash_password("correct horse battery", n=2**14)
    assert stored.startswith("scrypt$16384$8$1$")
    assert passwords.verify_password("correct horse battery", stored)
    assert not passwords.verify_password("correct horse batterY", stored)
    assert not passwords.verify_password("x", "md5$abc")


def test_must_change_after_a_reset(world: World) -> None:
    make_person(world, "boss", "admin")
    make_person(world, "anna", "staff", "S1")
    admin = Browser(world)
    admin.sign_in("boss")
    reset = admin.post_form("/admin/people/anna", "/admin/people/anna/password", {})
    temporary = reset.text.split("<code>")[1].split("</code>")[0]
    anna = Browser(world)
    assert anna.sign_in("anna", temporary).status_code == 303
    assert anna.get("/admin/").headers["location"] == "/admin/account/password"
    fields = {"current": temporary, "new": "a-new-password-9", "repeat": "a-new-password-9"}
    changed = anna.post_form("/admin/account/password", "/admin/account/password", fields)
    assert changed.status_code == 303
    assert anna.get("/admin/").status_code == 200
