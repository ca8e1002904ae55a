"""Sign in (password, then the TOTP code when the person has one), and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from cardsvc.backoffice import layout
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import (
    COOKIE,
    PRE_CSRF_COOKIE,
    FormDep,
    form_of,
    lang_of,
    ledger_of,
    new_pre_csrf,
    policy_of,
    set_pre_csrf_cookie,
    set_session_cookie,
)
from cardsvc.backoffice.text import t
from cardsvc.services import signin
from cardsvc.services.signin import Outcome

router = page_router()


def _safe_next(target: str) -> str:
    """Only a path of this back office (never another site: no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin"):
        return "/admin/"
    return parts.path


def _signin_form(
    request: Request, error: str = "", username: str = "", status: int = 200
) -> Response:
    lang = lang_of(request)
    token = new_pre_csrf()
    body = layout.environment().get_template("signin.html").render(
        lang=lang, other_lang="en" if lang == "vi" else "vi", t=lambda k, **v: t(lang, k, **v),
        title=t(lang, "sign_in"), csrf=token, error=error, username=username,
        next=_safe_next(request.query_params.get("next", "/admin/")),
    )  # fmt: skip
    response = layout.page_response(body, lang, status)
    set_pre_csrf_cookie(request, response, token)
    return response


@router.get("/admin/signin")
def signin_form(request: Request) -> Response:
    return _signin_form(request)


@router.post("/admin/signin")
async def signin_submit(request: Request) -> Response:
    lang = lang_of(request)
    form = await form_of(request, request.cookies.get(PRE_CSRF_COOKIE, "") or "\x00")
    username = form.get("username", "").strip()[:64]
    ledger = ledger_of(request)
    with ledger.db.write() as uow:
        result = signin.sign_in(uow, username, form.get("password", "")[:200], ledger.clock(),
                                policy_of(ledger))  # fmt: skip
    if result.outcome is Outcome.BAD:
        return _signin_form(request, t(lang, "bad_credentials"), username, 401)
    if result.outcome is Outcome.LOCKED:
        minutes = max(1, ((result.locked_until or 0) - ledger.clock() + 59) // 60)
        return _signin_form(request, t(lang, "locked", minutes=minutes), username, 429)
    target = _safe_next(form.get("next", ""))
    if result.outcome is Outcome.NEED_CODE:
        target = "/admin/code"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, result.token)
    response.delete_cookie(PRE_CSRF_COOKIE, path="/admin")
    return response


def _code_form(request: Request, csrf: str, error: str = "", status: int = 200) -> Response:
    lang = lang_of(request)
    body = layout.environment().get_template("code.html").render(
        lang=lang, other_lang="en" if lang == "vi" else "vi", t=lambda k, **v: t(lang, k, **v),
        title=t(lang, "second_factor"), csrf=csrf, error=error,
    )  # fmt: skip
    return layout.page_response(body, lang, status)


def _pending(request: Request) -> signin.Session | None:
    from cardsvc.backoffice.session import current_session

    return current_session(request)


@router.get("/admin/code")
def code_form(request: Request) -> Response:
    found = _pending(request)
    if found is None:
        return RedirectResponse("/admin/signin", status_code=303)
    return _code_form(request, found.csrf)


@router.post("/admin/code")
async def code_submit(request: Request) -> Response:
    found = _pending(request)
    if found is None:
        return RedirectResponse("/admin/signin", status_code=303)
    form = await form_of(request, found.csrf)
    ledger, lang = ledger_of(request), lang_of(request)
    token = request.cookies.get(COOKIE, "")
    with ledger.db.write() as uow:
        result = signin.second_factor(uow, token, form.get("code", "")[:16], ledger.clock(),
                                      policy_of(ledger))  # fmt: skip
    if result.outcome is Outcome.OK:
        return RedirectResponse("/admin/", status_code=303)
    if result.outcome is Outcome.LOCKED:
        minutes = max(1, ((result.locked_until or 0) - ledger.clock() + 59) // 60)
        return _signin_form(request, t(lang, "locked", minutes=minutes), "", 429)
    return _code_form(request, found.csrf, t(lang, "bad_code"), 401)


@router.post("/admin/signout")
async def signout(request: Request, form: FormDep) -> Response:
    ledger = ledger_of(request)
    with ledger.db.write() as uow:
        signin.sign_out(uow, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/admin/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
