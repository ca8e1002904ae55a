"""Who is looking at a back-office page: the session cookie, the language, CSRF on every form.

The cookie is HttpOnly (scripts cannot read it), SameSite=Strict (no other site's page can make
the browser send it), Secure over https, and holds a random token whose SHA-256 alone is stored.
Every form carries the session's CSRF token; a POST without it is refused (and, where the
browser names the page it came from, a POST from another origin as well).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from cardsvc.protocol.text import pick_lang
from cardsvc.services import liability_check, signin
from cardsvc.services.people import Person, Role
from cardsvc.services.signin import SignInPolicy
from cardsvc.wiring import Ledger

COOKIE = "cs_admin"
PRE_CSRF_COOKIE = "cs_admin_pre"  # the sign-in form's CSRF token (before there is a session)
LANG_COOKIE = "lang"
FORM_FIELD_MAX = 2000  # characters of any one form field the back office reads


class SignInRequired(Exception):
    """No (valid) session: the page answers with the sign-in form."""

    def __init__(self, to: str = "/admin/signin") -> None:
        self.to = to


class CsrfRefused(Exception):
    """A form sent without this session's token, or from another site."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person looking at a page, and how to write to them."""

    person: Person
    lang: str
    csrf: str
    has_totp: bool
    client: str  # the browser's address, for the audit log
    books_differ: bool = False  # the last liability check failed (admin and finance see it)

    def require(self, *roles: Role, store_id: str | None = None) -> None:
        """The people model's one permission check (raises Forbidden)."""
        self.person.require(*roles, store_id=store_id)

    @property
    def scope(self) -> str | None:
        """The store this person is limited to (None: every store)."""
        return self.person.store_id


def ledger_of(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


def policy_of(ledger: Ledger) -> SignInPolicy:
    s = ledger.settings
    return SignInPolicy(s.backoffice_max_failures, s.backoffice_lock_s, s.backoffice_session_s)


def lang_of(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_session(request: Request) -> signin.Session | None:
    ledger = ledger_of(request)
    with ledger.db.read() as uow:
        return signin.session(uow, request.cookies.get(COOKIE, ""), ledger.clock())


def viewer(request: Request) -> Viewer:
    found = current_session(request)
    if found is None:
        raise SignInRequired()
    if not found.verified:
        raise SignInRequired("/admin/code")
    if found.must_change and request.url.path != "/admin/account/password":
        raise SignInRequired("/admin/account/password")
    differ = found.person.role in (Role.ADMIN, Role.FINANCE) and _books_differ(request)
    return Viewer(found.person, lang_of(request), found.csrf, found.has_totp, client_of(request),
                  differ)  # fmt: skip


def _books_differ(request: Request) -> bool:
    """The last liability check's verdict; the first page of the day runs a fresh one."""
    ledger = ledger_of(request)
    now = ledger.clock()
    with ledger.db.read() as uow:
        last = liability_check.last_check(uow)
    if liability_check.due(last, now):
        with ledger.db.write() as uow:
            last = liability_check.run_check(uow, now)
    return last is not None and not last.consistent


ViewerDep = Annotated[Viewer, Depends(viewer)]


def same_origin(request: Request) -> bool:
    """A browser names the page a POST came from (Origin); it must be this site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return origin.rstrip("/") == f"{request.url.scheme}://{request.url.netloc}"


async def form_of(request: Request, expected_csrf: str) -> dict[str, str]:
    """The posted form, after the CSRF check; every field bounded in length."""
    form = await request.form(max_files=0, max_fields=200)
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected_csrf):
        raise CsrfRefused()
    if not same_origin(request):
        raise CsrfRefused()
    return {k: str(v)[:FORM_FIELD_MAX] for k, v in form.items() if isinstance(v, str)}


async def checked_form(request: Request, who: ViewerDep) -> dict[str, str]:
    return await form_of(request, who.csrf)


FormDep = Annotated[dict[str, str], Depends(checked_form)]


def new_pre_csrf() -> str:
    return secrets.token_urlsafe(24)


def secure_cookie(request: Request) -> bool:
    forced = ledger_of(request).settings.backoffice_secure_cookie
    return request.url.scheme == "https" if forced is None else forced


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=secure_cookie(request),
        path="/", max_age=ledger_of(request).settings.backoffice_session_s,
    )  # fmt: skip


def set_pre_csrf_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(PRE_CSRF_COOKIE, value, httponly=True, samesite="strict",
                        secure=secure_cookie(request), path="/admin", max_age=3600)  # fmt: skip
