"""Administrators: stores, programs, terminals (enrolment code shown as a QR to scan at the
terminal; disable, enable, revoke a key), and keys (what is current, what expires). Every
change is written to the audit log in the same transaction."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from cardsvc.backoffice import forms
from cardsvc.backoffice.forms import FormProblem
from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.qr import qr_svg
from cardsvc.backoffice.registry import ADMIN
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import FormDep, Viewer, ViewerDep, ledger_of
from cardsvc.backoffice.text import t
from cardsvc.core import BALANCE_MAX, InstrumentKind, InstrumentSpec, Unit
from cardsvc.services import audit, programs, terminals
from cardsvc.services.errors import Conflict, NotFound

router = page_router()
LIST_MAX = 10_000
KINDS = [k.value for k in InstrumentKind]


# --- stores -------------------------------------------------------------------------------------
def _stores(request: Request, who: Viewer, status: int = 200, **extra: Any) -> HTMLResponse:
    with ledger_of(request).db.read() as uow:
        rows = uow.terminals.stores(LIST_MAX)
    return render_page(who, "stores.html", t(who.lang, "stores"), status=status, rows=rows,
                       **({"form": {}} | extra))  # fmt: skip


@router.get("/admin/stores")
def stores_page(request: Request, who: ViewerDep) -> HTMLResponse:
    who.require(*ADMIN)
    return _stores(request, who)


@router.post("/admin/stores")
def create_store(request: Request, who: ViewerDep, form: FormDep) -> Response:
    who.require(*ADMIN)
    ledger = ledger_of(request)
    try:
        store_id, name = forms.ident(form, "id"), forms.name(form)
        with ledger.db.write() as uow:
            terminals.create_store(uow, store_id, name, ledger.clock())
            audit.record(uow, ledger.clock(), who.person.id, "store.create", store_id, None,
                         {"name": name}, who.client)  # fmt: skip
    except FormProblem as exc:
        return _stores(request, who, 422, error=t(who.lang, exc.key), form=form)
    except Conflict:
        return _stores(request, who, 422, error=t(who.lang, "exists"), form=form)
    return RedirectResponse("/admin/stores", status_code=303)


# --- programs -----------------------------------------------------------------------------------
def _programs(request: Request, who: Viewer, status: int = 200, **extra: Any) -> HTMLResponse:
    with ledger_of(request).db.read() as uow:
        rows = uow.programs.list()
    return render_page(who, "programs.html", t(who.lang, "programs"), status=status, rows=rows,
                       kinds=KINDS, **({"form": {}} | extra))  # fmt: skip


@router.get("/admin/programs")
def programs_page(request: Request, who: ViewerDep) -> HTMLResponse:
    who.require(*ADMIN)
    return _programs(request, who)


@router.post("/admin/programs")
def create_program(request: Request, who: ViewerDep, form: FormDep) -> Response:
    """A program's terms are fixed once created (a change of terms is a new program)."""
    who.require(*ADMIN)
    ledger = ledger_of(request)
    try:
        pid, name = forms.ident(form, "id"), forms.name(form)
        kind = form.get("kind", "")
        if kind not in KINDS:
            raise FormProblem("bad_kind", "kind")
        unit = Unit.POINTS if kind == "member" else Unit.VND
        cap = forms.whole_number(form, "max_balance", 1, BALANCE_MAX)
        days = forms.whole_number(form, "validity_days", 0, 100 * 366, default=0)
        reloadable = form.get("reloadable") == "on"
        spec = InstrumentSpec(
            kind=InstrumentKind(kind),
            unit=unit,
            program=pid,
            reloadable=reloadable,
            max_balance=cap,
        )
        with ledger.db.write() as uow:
            programs.create_program(uow, pid, name, spec, days * 86400 or None, ledger.clock())
            audit.record(uow, ledger.clock(), who.person.id, "program.create", pid, None,
                         {"name": name, "kind": kind, "max_balance": cap,
                          "validity_days": days}, who.client)  # fmt: skip
    except FormProblem as exc:
        return _programs(request, who, 422, error=t(who.lang, exc.key, **exc.values), form=form)
    except Conflict:
        return _programs(request, who, 422, error=t(who.lang, "exists"), form=form)
    return RedirectResponse("/admin/programs", status_code=303)


# --- terminals ----------------------------------------------------------------------------------
def _terminals(request: Request, who: Viewer, status: int = 200, **extra: Any) -> HTMLResponse:
    with ledger_of(request).db.read() as uow:
        rows = uow.terminals.all_terminals(LIST_MAX)
        keys = uow.terminals.all_keys(LIST_MAX)
        stores = uow.terminals.stores(LIST_MAX)
    return render_page(who, "terminals.html", t(who.lang, "terminals"), status=status, rows=rows,
                       keys=keys, stores=stores, **({"form": {}} | extra))  # fmt: skip


@router.get("/admin/terminals")
def terminals_page(request: Request, who: ViewerDep) -> HTMLResponse:
    who.require(*ADMIN)
    return _terminals(request, who)


@router.post("/admin/terminals")
def create_terminal(request: Request, who: ViewerDep, form: FormDep) -> Response:
    """A pending terminal and its one-time enrolment code, shown once, also as a QR code for
    the terminal's camera or scanner."""
    who.require(*ADMIN)
    ledger = ledger_of(request)
    ttl = ledger.settings.enrollment_code_ttl_s
    try:
        tid, name = forms.ident(form, "id"), forms.name(form)
        with ledger.db.write() as uow:
            store = forms.optional_store(form, uow.terminals.stores(LIST_MAX))
            if store is None:
                raise FormProblem("no_such_store", "store")
            code = terminals.create_terminal(uow, tid, store, name, ledger.clock(), ttl)
            audit.record(uow, ledger.clock(), who.person.id, "terminal.create", tid, None,
                         {"store_id": store, "name": name}, who.client)  # fmt: skip
    except FormProblem as exc:
        return _terminals(request, who, 422, error=t(who.lang, exc.key), form=form)
    except Conflict:
        return _terminals(request, who, 422, error=t(who.lang, "exists"), form=form)
    enrol = f"cardsvc-enrol:{tid}:{code}"
    qr = Markup(qr_svg(enrol, label=t(who.lang, "enrolment_code")))
    return _terminals(request, who, 201, created={"id": tid, "code": code, "qr": qr,
                                                  "expires_at": ledger.clock() + ttl})  # fmt: skip


@router.post("/admin/terminals/{terminal_id}/{action}")
def terminal_action(
    request: Request, who: ViewerDep, form: FormDep, terminal_id: str, action: str
) -> Response:
    """Disable a lost or retired terminal (its keys stop verifying at once), or enable it."""
    who.require(*ADMIN)
    if action not in ("disable", "enable"):
        raise NotFound(action)
    ledger = ledger_of(request)
    status = "disabled" if action == "disable" else "active"
    with ledger.db.write() as uow:
        before = terminals.get_terminal(uow, terminal_id)
        terminals.set_terminal_status(uow, terminal_id, status)
        audit.record(uow, ledger.clock(), who.person.id, f"terminal.{action}", terminal_id,
                     {"status": before.status}, {"status": status}, who.client)  # fmt: skip
    ledger.keys.forget()
    return RedirectResponse("/admin/terminals", status_code=303)


@router.post("/admin/keys/{key_id}/revoke")
def revoke_key(request: Request, who: ViewerDep, form: FormDep, key_id: str) -> Response:
    who.require(*ADMIN)
    ledger = ledger_of(request)
    with ledger.db.write() as uow:
        terminals.revoke_key(uow, key_id[:32], ledger.clock())
        audit.record(uow, ledger.clock(), who.person.id, "key.revoke", key_id[:32], None,
                     {"revoked": True}, who.client)  # fmt: skip
    ledger.keys.forget(key_id[:32])
    back = "/admin/terminals" if form.get("back") == "/admin/terminals" else "/admin/keys"
    return RedirectResponse(back, status_code=303)


# --- keys ---------------------------------------------------------------------------------------
@router.get("/admin/keys")
def keys_page(request: Request, who: ViewerDep) -> HTMLResponse:
    """Terminal signing keys and QR signing keys: which verify now, which retire when."""
    who.require(*ADMIN)
    ledger = ledger_of(request)
    with ledger.db.read() as uow:
        keys = uow.terminals.all_keys(LIST_MAX)
    qr: list[Any] = []
    if ledger.vouchers is not None:
        qr = sorted(ledger.vouchers.keyring.entries(), key=lambda e: e.not_before)
    return render_page(who, "keys.html", t(who.lang, "keys"), keys=keys, qr_keys=qr,
                       now=ledger.clock(), qr_missing=ledger.vouchers_missing)  # fmt: skip
