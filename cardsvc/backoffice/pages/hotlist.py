"""The hotlist: block a lost or stolen card (or code) with a reason, unblock it; the reasons
come from the audit log. The same rules as the API: any staff may block, only the issuing
store's staff or an administrator may unblock."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from cardsvc.backoffice import forms
from cardsvc.backoffice.forms import FormProblem
from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.registry import HOTLIST
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import FormDep, Viewer, ViewerDep, ledger_of
from cardsvc.backoffice.text import t
from cardsvc.services import audit, queries
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import staff_instruction
from cardsvc.storage.unit_of_work import UnitOfWork

router = page_router()
HOTLIST_ROLES = HOTLIST
SHOWN_MAX = 200
REASON_MAX = 200
HQ_STORE = "hq"  # as the API records actions of people without a store
SUBMIT_TIMEOUT_S = 30


def _page(request: Request, who: Viewer, status: int = 200, **extra: Any) -> HTMLResponse:
    with ledger_of(request).db.read() as uow:
        blocked = queries.hotlist(uow)
        rows = []
        for instrument in blocked[:SHOWN_MAX]:
            rows.append(_reason(uow, instrument))
    return render_page(who, "hotlist.html", t(who.lang, "hotlist"), status=status, rows=rows,
                       total=len(blocked), **extra)  # fmt: skip


def _reason(uow: UnitOfWork, instrument: str) -> dict[str, Any]:
    """The newest block of `instrument` in the audit log: who, when, why."""
    for r in audit.search(uow, instrument, limit=20):
        if r["target"] == instrument and r["action"] == "instrument.block":
            return {"id": instrument, "reason": r["after"].get("reason", ""),
                    "by": r["person_id"], "at": r["at"]}  # fmt: skip
    return {"id": instrument, "reason": "", "by": "", "at": None}


@router.get("/admin/hotlist")
def hotlist(request: Request, who: ViewerDep) -> HTMLResponse:
    who.require(*HOTLIST_ROLES)
    return _page(request, who)


@router.post("/admin/hotlist")
def act(request: Request, who: ViewerDep, form: FormDep) -> Response:
    who.require(*HOTLIST_ROLES)
    ledger = ledger_of(request)
    action: Literal["block", "unblock"]
    try:
        if form.get("action") not in ("block", "unblock"):
            raise FormProblem("bad_action")
        action = "block" if form.get("action") == "block" else "unblock"
        instrument = forms.ident(form, "instrument")
        reason = " ".join(form.get("reason", "").split())[:REASON_MAX]
        if not reason:
            raise FormProblem("reason_needed", "reason")
    except FormProblem as exc:
        return _page(request, who, 422, error=t(who.lang, exc.key))
    with ledger.db.read() as uow:
        view = queries.instrument_view(uow, instrument)  # NotFound -> a 404 page
    if action == "unblock":
        who.require(*HOTLIST_ROLES, store_id=view["store"])
    actor = Actor("backoffice", who.person.store_id or HQ_STORE, by_user=who.person.id)
    outcome = ledger.committer.submit(Submission(actor, [staff_instruction(action, instrument)]))
    result = outcome.result(SUBMIT_TIMEOUT_S).results[0]
    if result.code != "ok":
        return _page(request, who, 409, error=t(who.lang, "ledger_said", code=result.code))
    with ledger.db.write() as uow:
        after = {"status": "blocked" if action == "block" else "active", "reason": reason}
        audit.record(uow, ledger.clock(), who.person.id, f"instrument.{action}", instrument,
                     {"status": view["status"]}, after, who.client)  # fmt: skip
    return _page(request, who, done=t(who.lang, f"done_{action}", id=instrument))
