"""Follow-up cases of low ratings, by store, with response times; staff of a store move its
cases on (contacted, resolved) with notes. Every change is in the audit log."""

from __future__ import annotations

from pathlib import Path

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.registry import EVERYONE
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import FormDep, Viewer, ViewerDep, ledger_of
from cardsvc.customers import feedback
from cardsvc.customers.errors import CustomerConflict, CustomerInvalid
from cardsvc.protocol.text import Catalogue
from cardsvc.services import audit
from cardsvc.services.people import Role

router = page_router()
CATALOGUE = Catalogue.load(Path(__file__).parent / "messages.json")
PATH = "/admin/followups"


def duration(lang: str, seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return CATALOGUE.t(lang, "duration", h=seconds // 3600, m=seconds % 3600 // 60)


def _page(request: Request, who: Viewer, store: str, status_filter: str, code: int = 200,
          **extra: str) -> HTMLResponse:  # fmt: skip
    scope = who.person.store_id or store or None
    wanted = (status_filter,) if status_filter in feedback.STATUSES else feedback.STATUSES
    with ledger_of(request).db.read() as uow:
        views = feedback.cases(uow, scope, wanted)
        stores = uow.terminals.stores(10_000)
    return render_page(who, "followups.html", CATALOGUE.t(who.lang, "followups"), status=code,
                       catalogue=CATALOGUE, views=views, times=feedback.response_times(views),
                       stores=stores, store=scope or "", status_filter=status_filter,
                       statuses=feedback.STATUSES, next_of=feedback.NEXT,
                       duration=lambda s: duration(who.lang, s),
                       can_act=who.person.role in (Role.ADMIN, Role.STAFF), **extra)  # fmt: skip


@router.get(PATH)
def followups_page(request: Request, who: ViewerDep,
                   store: str = Query("", max_length=64),
                   status: str = Query("", max_length=16)) -> HTMLResponse:  # fmt: skip
    who.require(*EVERYONE)
    return _page(request, who, store, status)


@router.post(PATH + "/{case_id}")
def act(request: Request, case_id: int, who: ViewerDep, form: FormDep) -> HTMLResponse:
    who.require(Role.ADMIN, Role.STAFF)
    ledger = ledger_of(request)
    status, note = form.get("status", ""), form.get("note", "")
    try:
        with ledger.db.write() as uow:
            before = uow.feedback.case(case_id)
            row = feedback.act(uow, case_id, status, note, who.person.id, ledger.clock(),
                               who.person.store_id)  # fmt: skip
            audit.record(uow, ledger.clock(), who.person.id, "followup.update", str(case_id),
                         {"status": before.status if before else None},
                         {"status": row.status, "note": note[:200]}, who.client)  # fmt: skip
    except (CustomerInvalid, CustomerConflict) as exc:
        key = "err_" + exc.reason
        return _page(request, who, "", "", 422, error=CATALOGUE.t(who.lang, key))
    return _page(request, who, "", "", saved=CATALOGUE.t(who.lang, "fu_saved"))
