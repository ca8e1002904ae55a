"""Reconciliation of purse cards against the ledger: each alert (a replayed counter, a gap,
a divergence between the card's value and the ledger's shadow balance) next to the card's
ledger balance, with the actions allowed: block the card, have the next tap correct the card to
the ledger (queued as a ledger-to-card update, shown pending until a tap writes it), or write
the difference off with a reason (a `write_off` ledger transaction). And the offline conflicts:
uses a device accepted while offline that the ledger refused at sync (the goods were handed
over)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from cardsvc.backoffice.forms import FormProblem
from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.registry import FINANCE_UP
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import FormDep, Viewer, ViewerDep, ledger_of
from cardsvc.backoffice.text import t
from cardsvc.services import audit, queries
from cardsvc.services import reconciliation as actions
from cardsvc.services.errors import Invalid
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import staff_instruction
from cardsvc.storage.unit_of_work import UnitOfWork
from cardsvc.vouchers.reports import offline_conflicts
from cardsvc.wiring import Ledger

router = page_router()
ALERTS_SHOWN = 500
ACTIONS = ("block", "correct_next_tap", "write_off")
REASON_MAX = 200


@router.get("/admin/reconciliation")
def reconciliation(request: Request, who: ViewerDep) -> Response:
    who.require(*FINANCE_UP)
    with ledger_of(request).db.read() as uow:
        alerts = queries.card_alert_list(uow, ALERTS_SHOWN)
        rows = []
        for a in alerts:
            view = uow.reports.instrument(a["instrument_id"])
            if who.scope is not None and (view is None or view["store"] != who.scope):
                continue  # a store's finance sees its own cards' alerts
            done = [r for r in audit.search(uow, f"alert:{a['id']}", limit=5)
                    if r["target"] == f"alert:{a['id']}"]  # fmt: skip
            found = actions.standing(uow, a["instrument_id"]) if view else None
            rows.append({**a, "detail": json.loads(a["detail"]) if a["detail"] else {},
                         "ledger": view["balance"] if view else None,
                         "status": view["status"] if view else "",
                         "standing": found.difference if found else None,
                         "resolved": _resolution(uow, done[0]) if done else None})  # fmt: skip
        shadows = uow.finance.shadows(who.scope, ALERTS_SHOWN)
        conflicts = [c for c in offline_conflicts(uow, 0, ALERTS_SHOWN)
                     if who.scope is None or c["store_id"] == who.scope]  # fmt: skip
    return render_page(who, "reconciliation.html", t(who.lang, "reconciliation"), rows=rows,
                       conflicts=conflicts, actions=ACTIONS, shadows=shadows)  # fmt: skip


def _resolution(uow: UnitOfWork, entry: dict[str, Any]) -> dict[str, Any]:
    """The audit entry of an alert's action; a correction with its update's state (pending
    until a tap writes it to the card, then written)."""
    update_id = entry["after"].get("update")
    if update_id:
        row = uow.media.updates([update_id]).get(update_id)
        return {**entry, "update_state": row.state if row else "cancelled"}
    return entry


@router.post("/admin/reconciliation/{alert_id}")
def resolve(request: Request, who: ViewerDep, form: FormDep, alert_id: int) -> Response:
    who.require(*FINANCE_UP)
    ledger = ledger_of(request)
    action = form.get("action", "")
    reason = " ".join(form.get("reason", "").split())[:REASON_MAX]
    if action not in ACTIONS:
        raise FormProblem("bad_action")
    if action == "write_off" and not reason:
        raise FormProblem("reason_needed")
    with ledger.db.read() as uow:
        alert = next((a for a in queries.card_alert_list(uow, ALERTS_SHOWN)
                      if a["id"] == alert_id), None)  # fmt: skip
        if alert is None:
            raise FormProblem("not_found")
        view = queries.instrument_view(uow, alert["instrument_id"])
        found = actions.standing(uow, alert["instrument_id"])
    who.require(*FINANCE_UP, store_id=view["store"])
    if action != "block":
        if found is None:
            raise FormProblem("no_card_value")
        if found.difference == 0:
            raise FormProblem("cards_agree_already")
    actor = Actor("backoffice", who.person.store_id or "hq", by_user=who.person.id)
    if action == "block":
        _block(ledger, who, alert, alert_id, reason, actor, view["status"])
        return RedirectResponse("/admin/reconciliation", status_code=303)
    decision = actions.Decision(who.person.id, actor, reason, f"alert:{alert_id}", who.client)
    try:
        if action == "correct_next_tap":
            actions.correct_on_next_tap(ledger.db, decision, alert["instrument_id"], ledger.clock())
        else:
            actions.write_off(ledger.db, ledger.committer.policy, decision,
                              alert["instrument_id"], ledger.clock())  # fmt: skip
    except Invalid as exc:
        raise FormProblem("reconcile_refused") from exc
    return RedirectResponse("/admin/reconciliation", status_code=303)


def _block(ledger: Ledger, who: Viewer, alert: dict[str, Any], alert_id: int, reason: str,
           actor: Actor, status: str) -> None:  # fmt: skip
    if status != "blocked":
        msg = staff_instruction("block", alert["instrument_id"])
        ledger.committer.submit(Submission(actor, [msg])).result(30)
    with ledger.db.write() as uow:
        before = {"kind": alert["kind"], "instrument": alert["instrument_id"]}
        after = {"action": "block", "reason": reason}
        audit.record(uow, ledger.clock(), who.person.id, "card_alert.block",
                     f"alert:{alert_id}", before, after, who.client)  # fmt: skip
