"""The customer balance and validity page: enter a code or scan the QR, see balance, validity
and history. Public, so it is rate-limited per client (token bucket) before any look-up, and
answers every miss with the same page: guessing 80-bit codes gets nowhere, slowly.

Codes travel in POST bodies only, never in URLs (which end up in logs and browser history).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import HTMLResponse, Response

from cardsvc.api.client_address import client_address
from cardsvc.api.deps import VouchersDep, public
from cardsvc.services import queries
from cardsvc.storage.unit_of_work import UnitOfWork
from cardsvc.vouchers import lookup
from cardsvc.vouchers.service import Vouchers
from cardsvc.web.pages import STATIC, instrument_page, render
from cardsvc.web.text import pick_lang, t

router = APIRouter(
    tags=["customer pages"],
    include_in_schema=False,
    dependencies=[public("the customer balance page: rate-limited per client")],
)
_STATIC_FILES = {"style.css": "text/css", "scan.js": "text/javascript"}
_NO_STORE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _page(body: str, lang: str, status: int = 200, **headers: str) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status, headers={**_NO_STORE, **headers})
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def _client(request: Request, v: Vouchers) -> str:
    peer = request.client.host if request.client else "unknown"
    return client_address(peer, request.headers.getlist("x-forwarded-for"), v.settings.proxies)


@router.get("/", response_class=HTMLResponse)
def index(
    lang: str | None = None, lang_cookie: Annotated[str | None, Cookie(alias="lang")] = None
) -> HTMLResponse:
    chosen = pick_lang(lang, lang_cookie)
    return _page(render("index.html", chosen, message=None), chosen)


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in _STATIC_FILES:
        return Response(status_code=404)
    body = (STATIC / name).read_bytes()
    return Response(
        body, media_type=_STATIC_FILES[name], headers={"Cache-Control": "public, max-age=3600"}
    )


@router.post("/check", response_class=HTMLResponse)
def check(
    request: Request,
    v: VouchersDep,
    q: Annotated[str, Form(max_length=1200)] = "",
    lang_cookie: Annotated[str | None, Cookie(alias="lang")] = None,
) -> HTMLResponse:
    lang = pick_lang(None, lang_cookie)
    wait = v.limiter.take(_client(request, v))
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        body = render("index.html", lang, message=t(lang, "limited", s=seconds))
        return _page(body, lang, 429, **{"Retry-After": str(seconds)})
    with v.db.read() as uow:
        return _answer(uow, v, q, lang)


def _answer(uow: UnitOfWork, v: Vouchers, text: str, lang: str) -> HTMLResponse:
    if lookup.looks_like_payload(text):
        found, _ = lookup.resolve_payload(v, text)
        miss = "invalid_qr"
    else:
        found = lookup.resolve_code(uow, v, text)
        miss = "typo" if found.reason == "typo" else "not_found"
    if found.instrument is None:
        return _page(render("index.html", lang, message=t(lang, miss)), lang)
    view = lookup.instrument_or_none(uow, found.instrument)
    if view is None:  # a gift card printed but not sold yet
        return _page(render("index.html", lang, message=t(lang, "not_active")), lang)
    history = [
        h
        for h in queries.instrument_history(uow, found.instrument, v.settings.history_rows)
        if h["code"] == "ok"
    ]
    page = instrument_page(
        lang,
        view,
        _terms(uow, view["program"]),
        history,
        v.clock(),
        v.settings.display_utc_offset_h,
    )
    return _page(render("result.html", lang, page=page), lang)


def _terms(uow: UnitOfWork, program_id: str) -> dict[str, Any]:
    found = uow.programs.terms(program_id)
    if found is None:
        return {}
    spec = found[0]
    return {
        "discount_bp": spec.discount_bp,
        "discount_cap": spec.discount_cap,
        "min_spend": spec.min_spend,
    }
