"""My account: change my password; administrators and finance set up a TOTP second factor
(scan the QR code with an authenticator app, confirm with one code) or turn it off."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.qr import qr_svg
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import FormDep, Viewer, ViewerDep, ledger_of
from cardsvc.backoffice.text import t
from cardsvc.services import audit, passwords, signin
from cardsvc.services.errors import Invalid

router = page_router()


def _page(who: Viewer, status: int = 200, **extra: Any) -> HTMLResponse:
    may_totp = who.person.role in signin.SECOND_FACTOR_ROLES
    return render_page(who, "account.html", t(who.lang, "my_account"), status=status,
                       may_totp=may_totp, **extra)  # fmt: skip


@router.get("/admin/account")
@router.get("/admin/account/password")
def account(who: ViewerDep) -> HTMLResponse:
    return _page(who)


@router.post("/admin/account/password")
def change_password(request: Request, who: ViewerDep, form: FormDep) -> Response:
    ledger = ledger_of(request)
    new = form.get("new", "")
    if new != form.get("repeat", ""):
        return _page(who, 422, error=t(who.lang, "pw_mismatch"))
    problem = passwords.password_problem(new)
    if problem is not None:
        return _page(who, 422, error=t(who.lang, problem))
    try:
        with ledger.db.write() as uow:
            done = signin.change_own_password(uow, who.person.id, form.get("current", ""), new,
                                              ledger.clock())  # fmt: skip
            if done:
                audit.record(uow, ledger.clock(), who.person.id, "account.password",
                             who.person.id, None, {"changed": True}, who.client)  # fmt: skip
    except Invalid as exc:
        return _page(who, 422, error=t(who.lang, exc.detail))
    if not done:
        return _page(who, 422, error=t(who.lang, "pw_current_wrong"))
    return RedirectResponse("/admin/account?saved=1", status_code=303)


@router.post("/admin/account/totp")
def totp_start(request: Request, who: ViewerDep, form: FormDep) -> Response:
    """Show a new secret as a QR code; nothing is stored until a code from it is confirmed."""
    who.require(*signin.SECOND_FACTOR_ROLES)
    secret = passwords.new_totp_secret()
    uri = passwords.totp_uri(secret, who.person.id)
    return _page(who, secret=secret, qr=Markup(qr_svg(uri, label="TOTP")))


@router.post("/admin/account/totp/confirm")
def totp_confirm(request: Request, who: ViewerDep, form: FormDep) -> Response:
    who.require(*signin.SECOND_FACTOR_ROLES)
    ledger = ledger_of(request)
    secret = form.get("secret", "")[:64]
    try:
        good = passwords.totp_ok(secret, form.get("code", ""), ledger.clock())
    except ValueError:  # not base32
        good = False
    if not good:
        uri = passwords.totp_uri(secret, who.person.id) if secret.isalnum() else ""
        qr = Markup(qr_svg(uri, label="TOTP")) if uri else None
        return _page(who, 422, error=t(who.lang, "bad_code"), secret=secret, qr=qr)
    with ledger.db.write() as uow:
        signin.set_totp(uow, who.person.id, secret)
        audit.record(uow, ledger.clock(), who.person.id, "account.totp_on", who.person.id,
                     None, {"totp": True}, who.client)  # fmt: skip
    return RedirectResponse("/admin/account?totp=on", status_code=303)


@router.post("/admin/account/totp/off")
def totp_off(request: Request, who: ViewerDep, form: FormDep) -> Response:
    ledger = ledger_of(request)
    with ledger.db.write() as uow:
        signin.set_totp(uow, who.person.id, None)
        audit.record(uow, ledger.clock(), who.person.id, "account.totp_off", who.person.id,
                     {"totp": True}, {"totp": False}, who.client)  # fmt: skip
    return RedirectResponse("/admin/account?totp=off", status_code=303)
