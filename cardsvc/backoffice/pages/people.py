"""People (administrators): create, change name, role or store, disable, reset the password,
issue a new API token. Every change lands in the audit log in the same transaction."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cardsvc.backoffice import forms
from cardsvc.backoffice.forms import FormProblem
from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.registry import ADMIN
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import FormDep, Viewer, ViewerDep, ledger_of
from cardsvc.backoffice.text import t
from cardsvc.services import audit, people, signin
from cardsvc.services.errors import Conflict, Invalid, NotFound
from cardsvc.services.people import Role

router = page_router()
STORES_MAX = 10_000


def _list(request: Request, who: Viewer, status: int = 200, **extra: Any) -> HTMLResponse:
    with ledger_of(request).db.read() as uow:
        rows = people.list_people(uow)
        stores = uow.terminals.stores(STORES_MAX)
    return render_page(who, "people.html", t(who.lang, "people"), status=status, rows=rows,
                       stores=stores, roles=list(Role), **({"form": {}} | extra))  # fmt: skip


@router.get("/admin/people")
def people_page(request: Request, who: ViewerDep) -> HTMLResponse:
    who.require(*ADMIN)
    return _list(request, who)


@router.post("/admin/people")
def create(request: Request, who: ViewerDep, form: FormDep) -> Response:
    who.require(*ADMIN)
    ledger = ledger_of(request)
    try:
        with ledger.db.write() as uow:
            stores = uow.terminals.stores(STORES_MAX)
            pid, name = forms.ident(form, "id"), forms.name(form)
            role, store = forms.role(form), forms.optional_store(form, stores)
            password = form.get("password", "") or secrets.token_urlsafe(12)
            now = ledger.clock()
            token = people.create_person(uow, pid, name, role, store, now)
            signin.set_password(uow, pid, password, now, must_change=True)
            after = {"name": name, "role": str(role), "store_id": store}
            audit.record(uow, now, who.person.id, "person.create", pid, None, after, who.client)
    except FormProblem as exc:
        return _list(request, who, 422, error=t(who.lang, exc.key), form=form)
    except (Conflict, Invalid, NotFound) as exc:
        return _list(request, who, 422, error=_said(who.lang, exc.detail), form=form)
    return _list(request, who, 201, created={"id": pid, "token": token, "password": password})


def _said(lang: str, detail: str) -> str:
    """A service's refusal in the viewer's language where the catalogue has it."""
    key = {"staff belong to a store": "staff_need_store"}.get(detail, detail)
    if detail.startswith("person ") and detail.endswith(" exists"):
        key = "person_exists"
    return t(lang, key)


def _person_page(
    request: Request, who: Viewer, person_id: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    with ledger_of(request).db.read() as uow:
        row = uow.people.get(person_id)
        if row is None:
            raise NotFound(person_id)
        login = uow.backoffice.login(person_id)
        stores = uow.terminals.stores(STORES_MAX)
    return render_page(who, "person.html", row.name, status=status, p=people.person_view(row),
                       login=login, stores=stores, roles=list(Role), **extra)  # fmt: skip


@router.get("/admin/people/{person_id}")
def person_page(request: Request, who: ViewerDep, person_id: str) -> HTMLResponse:
    who.require(*ADMIN)
    return _person_page(request, who, person_id[:64])


@router.post("/admin/people/{person_id}")
def update(request: Request, who: ViewerDep, form: FormDep, person_id: str) -> Response:
    who.require(*ADMIN)
    ledger = ledger_of(request)
    try:
        with ledger.db.write() as uow:
            stores = uow.terminals.stores(STORES_MAX)
            name, role = forms.name(form), forms.role(form)
            store, disabled = forms.optional_store(form, stores), form.get("disabled") == "on"
            if person_id == who.person.id and (disabled or role is not Role.ADMIN):
                raise FormProblem("not_yourself")
            before, after = people.update_person(uow, person_id, name, role, store, disabled)
            if disabled:
                uow.backoffice.end_sessions_of(person_id)
            audit.record(uow, ledger.clock(), who.person.id, "person.update", person_id,
                         before, after, who.client)  # fmt: skip
    except FormProblem as exc:
        return _person_page(request, who, person_id, 422, error=t(who.lang, exc.key))
    except (Invalid, NotFound) as exc:
        return _person_page(request, who, person_id, 422, error=_said(who.lang, exc.detail))
    return RedirectResponse(f"/admin/people/{person_id}?saved=1", status_code=303)


@router.post("/admin/people/{person_id}/password")
def reset_password(request: Request, who: ViewerDep, form: FormDep, person_id: str) -> Response:
    """A temporary password the person must change at their next sign-in; lifts a lock."""
    who.require(*ADMIN)
    ledger = ledger_of(request)
    temporary = secrets.token_urlsafe(12)
    with ledger.db.write() as uow:
        signin.set_password(uow, person_id, temporary, ledger.clock(), must_change=True)
        audit.record(uow, ledger.clock(), who.person.id, "person.reset_password", person_id,
                     None, {"must_change": True}, who.client)  # fmt: skip
    return _person_page(request, who, person_id, temporary=temporary)


@router.post("/admin/people/{person_id}/token")
def new_token(request: Request, who: ViewerDep, form: FormDep, person_id: str) -> Response:
    who.require(*ADMIN)
    ledger = ledger_of(request)
    with ledger.db.write() as uow:
        token = people.new_token(uow, person_id)
        audit.record(uow, ledger.clock(), who.person.id, "person.new_token", person_id,
                     None, {"token": "replaced"}, who.client)  # fmt: skip
    return _person_page(request, who, person_id, token=token)
