"""The customer's own pages, served by the ledger beside the balance page: sign-up (/join,
reached from a QR at the counter, on a receipt or a friend's referral QR) and feedback on a
receipt (/feedback/<receipt>). Phone-sized, Vietnamese by default and complete in English,
rate-limited per client before anything is looked up or stored."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Form, Query, Request
from fastapi.responses import HTMLResponse

from cardsvc.api.deps import LedgerDep
from cardsvc.backoffice.qr import qr_svg
from cardsvc.customers import feedback, records
from cardsvc.customers.errors import CustomerConflict, CustomerInvalid
from cardsvc.customers.messaging import points as points_text
from cardsvc.customers.service import Customers
from cardsvc.protocol.messages import Id
from cardsvc.protocol.text import pick_lang, when
from cardsvc.services.errors import ServiceError
from cardsvc.web.customer_pages import render_customer
from cardsvc.web.customer_text import error_text, t

router = APIRouter(tags=["customer pages"], include_in_schema=False)
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff"}  # fmt: skip
Field = Annotated[str, Form(max_length=254)]
VN_OFFSET_H = 7


def _page(body: str, lang: str, status: int = 200, **headers: str) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status, headers={**_HEADERS, **headers})
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def _client(request: Request, c: Customers) -> str:
    if c.settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def _limited(request: Request, c: Customers) -> int:
    """Seconds to wait when this client has used its requests up; 0 when it may go on."""
    wait = c.limiter.take(_client(request, c), time.monotonic())
    return max(1, int(wait + 0.999)) if wait > 0 else 0


def _switch(path: str, lang: str, **query: str) -> str:
    other = "en" if lang == "vi" else "vi"
    return path + "?" + urlencode({**{k: v for k, v in query.items() if v}, "lang": other})


# --- sign-up ------------------------------------------------------------------------------------


def _join_page(lang: str, form: dict[str, str], message: str | None, status: int = 200,
               **headers: str) -> HTMLResponse:  # fmt: skip
    body = render_customer("join.html", lang, "join_title",
                           _switch("/join", lang, ref=form["ref"], store=form["store"]),
                           form=form, message=message)  # fmt: skip
    return _page(body, lang, status, **headers)


def _blank(ref: str = "", store: str = "") -> dict[str, str]:
    return {"phone": "", "name": "", "birth_day": "", "birth_month": "", "birth_year": "",
            "email": "", "ref": ref[:32], "store": store[:64], "consent": ""}  # fmt: skip


@router.get("/join", response_class=HTMLResponse)
def join_form(
    ref: Annotated[str, Query(max_length=32)] = "",
    store: Annotated[str, Query(max_length=64)] = "",
    lang: str | None = None,
    lang_cookie: Annotated[str | None, Cookie(alias="lang")] = None,
) -> HTMLResponse:
    return _join_page(pick_lang(lang, lang_cookie), _blank(ref, store), None)


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 4 else None


@router.post("/join", response_class=HTMLResponse)
def join(
    request: Request, ledger: LedgerDep, phone: Field = "", name: Field = "",
    birth_day: Field = "", birth_month: Field = "", birth_year: Field = "", email: Field = "",
    ref: Field = "", store: Field = "", consent: Field = "", lang: Field = "vi",
) -> HTMLResponse:
    lang = pick_lang(lang, None)
    c = ledger.customers
    form = {"phone": phone, "name": name, "birth_day": birth_day, "birth_month": birth_month,
            "birth_year": birth_year, "email": email, "ref": ref, "store": store,
            "consent": consent}  # fmt: skip
    seconds = _limited(request, c)
    if seconds:
        return _join_page(lang, form, t(lang, "limited", s=seconds), 429,
                          **{"Retry-After": str(seconds)})  # fmt: skip
    if birth_year.strip() and _int(birth_year) is None:
        return _join_page(lang, form, error_text(lang, "birthday_invalid"), 422)
    signup = records.SignUp(
        phone=phone, name=name, birth_day=_int(birth_day), birth_month=_int(birth_month),
        birth_year=_int(birth_year), email=email or None, lang=lang, home_store=store or None,
        consent=consent == "yes", referral_code=ref or None)  # fmt: skip
    try:
        with c.db.write() as uow:
            row = records.sign_up(uow, signup, c.settings, c.clock(), via="page", by=None)
    except (CustomerInvalid, CustomerConflict) as exc:
        status = 409 if isinstance(exc, CustomerConflict) else 422
        return _join_page(lang, form, error_text(lang, exc.reason), status)
    link = f"{c.settings.public_base_url.rstrip('/')}/join?ref={row.referral_code}"
    body = render_customer("joined.html", lang, "join_title", _switch("/join", lang),
                           name=row.name, code=row.referral_code,
                           qr=qr_svg(link, label=t(lang, "your_code")))  # fmt: skip
    return _page(body, lang, 201)


# --- feedback -----------------------------------------------------------------------------------


def _notice(lang: str, receipt: str, message: str, status: int, **headers: str) -> HTMLResponse:
    body = render_customer("feedback_done.html", lang, "fb_title",
                           _switch(f"/feedback/{receipt}", lang), message=message,
                           points=None, case=None)  # fmt: skip
    return _page(body, lang, status, **headers)


def _feedback_form(c: Customers, receipt: str, lang: str, rating: int | None, comment: str,
                   message: str | None, status: int = 200) -> HTMLResponse:  # fmt: skip
    with c.db.read() as uow:
        try:
            sale = feedback.find_receipt(uow, c, receipt)
        except CustomerInvalid as exc:
            return _notice(lang, receipt, error_text(lang, exc.reason), 404)
        if uow.feedback.get(receipt) is not None:
            return _notice(lang, receipt, error_text(lang, "feedback_given"), 409)
        store = uow.feedback.store_name(sale.store_id) or sale.store_id
    body = render_customer("feedback.html", lang, "fb_title", _switch(f"/feedback/{receipt}", lang),
                           receipt=receipt, store=store, when=when(sale.at, VN_OFFSET_H),
                           rating=rating, comment=comment, message=message)  # fmt: skip
    return _page(body, lang, status)


@router.get("/feedback/{receipt}", response_class=HTMLResponse)
def feedback_form(
    request: Request, receipt: Id, ledger: LedgerDep, lang: str | None = None,
    lang_cookie: Annotated[str | None, Cookie(alias="lang")] = None,
) -> HTMLResponse:
    chosen = pick_lang(lang, lang_cookie)
    c = ledger.customers
    seconds = _limited(request, c)
    if seconds:
        return _notice(chosen, receipt, t(chosen, "limited", s=seconds), 429,
                       **{"Retry-After": str(seconds)})  # fmt: skip
    return _feedback_form(c, receipt, chosen, None, "", None)


@router.post("/feedback/{receipt}", response_class=HTMLResponse)
def give_feedback(
    request: Request, receipt: Id, ledger: LedgerDep,
    rating: Annotated[str, Form(max_length=2)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
    lang: Annotated[str, Form(max_length=8)] = "vi",
) -> HTMLResponse:
    lang = pick_lang(lang, None)
    c = ledger.customers
    seconds = _limited(request, c)
    if seconds:
        return _notice(lang, receipt, t(lang, "limited", s=seconds), 429,
                       **{"Retry-After": str(seconds)})  # fmt: skip
    stars = _int(rating) or 0
    try:
        done = feedback.submit(c, receipt, stars, comment, lang)
    except ServiceError as exc:
        reason = getattr(exc, "reason", "invalid")
        if reason in ("rating_invalid", "comment_too_long"):
            return _feedback_form(c, receipt, lang, stars or None, comment[:1000],
                                  error_text(lang, reason), 422)  # fmt: skip
        status = 409 if isinstance(exc, CustomerConflict) else 404
        return _notice(lang, receipt, error_text(lang, reason), status)
    granted = done.reward in ("granted", "pending")
    body = render_customer("feedback_done.html", lang, "fb_title",
                           _switch(f"/feedback/{receipt}", lang), message=None,
                           points=points_text(lang, c.settings.feedback_points) if granted
                           else None, case=done.case_id is not None)  # fmt: skip
    return _page(body, lang, 201)
