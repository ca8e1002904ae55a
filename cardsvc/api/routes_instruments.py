"""Instruments for people: look-up, history, block / unblock / expire; finance reports."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Query

from cardsvc.api.deps import LedgerDep, PersonDep, ReadUow
from cardsvc.api.loyalty_views import with_loyalty
from cardsvc.api.views import (
    ERRORS,
    CardAlerts,
    Clearing,
    InstrumentHistory,
    InstrumentView,
    Liability,
)
from cardsvc.protocol.messages import ResultMsg
from cardsvc.protocol.wire import result_msg
from cardsvc.services import audit, queries
from cardsvc.services.clearing import clearing
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import staff_instruction
from cardsvc.services.people import Role

router = APIRouter(tags=["instruments"])

HQ_STORE = "hq"  # the store recorded for actions taken by people without a store


@router.get("/v1/instruments/{instrument_id}", response_model=InstrumentView, responses=ERRORS)
def lookup(
    instrument_id: str, person: PersonDep, ledger: LedgerDep, uow: ReadUow
) -> dict[str, Any]:
    """Balance, status and validity (a member card's tier and points with them). Cards roam
    across the chain: any store's staff may look."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    return with_loyalty(uow, queries.instrument_view(uow, instrument_id), ledger.clock())


@router.get(
    "/v1/instruments/{instrument_id}/history", response_model=InstrumentHistory, responses=ERRORS
)
def history(
    instrument_id: str,
    person: PersonDep,
    uow: ReadUow,
    limit: int = Query(100, ge=1, le=queries.HISTORY_MAX),
) -> dict[str, Any]:
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    view = queries.instrument_view(uow, instrument_id)
    return {
        "instrument": view,
        "transactions": queries.instrument_history(uow, instrument_id, limit),
    }


@router.post("/v1/instruments/{instrument_id}/{action}", response_model=ResultMsg, responses=ERRORS)
async def act(
    instrument_id: str,
    action: Literal["block", "unblock", "expire"],
    person: PersonDep,
    ledger: LedgerDep,
) -> ResultMsg:
    """Block a lost card (any staff), unblock (its issuing store or admin), expire (finance)."""
    if action == "expire":
        person.require(Role.ADMIN, Role.FINANCE)
    else:
        person.require(Role.ADMIN, Role.STAFF)
    if action == "unblock":
        with ledger.db.read() as uow:
            issued = queries.instrument_view(uow, instrument_id)["store"]
        person.require(Role.ADMIN, Role.STAFF, store_id=issued)
    msg = staff_instruction(action, instrument_id)
    actor = Actor("api", person.store_id or HQ_STORE, by_user=person.id)
    outcome = await asyncio.wrap_future(ledger.committer.submit(Submission(actor, [msg])))
    result = result_msg(outcome.results[0])
    if result.code == "ok":  # the audit log has every change a person made, by any way in
        with ledger.db.write() as uow:
            audit.record(uow, ledger.clock(), person.id, f"instrument.{action}", instrument_id,
                         None, {"code": result.code}, "api")  # fmt: skip
    return result


@router.get("/v1/reports/liability", response_model=Liability, responses=ERRORS)
def liability(person: PersonDep, uow: ReadUow) -> dict[str, Any]:
    """Outstanding stored value per program and unit, checked against the journal."""
    person.require(Role.ADMIN, Role.FINANCE, store_id=None)
    if person.store_id is not None and person.role is not Role.ADMIN:
        person.require(Role.ADMIN)  # chain-wide figures: head-office finance only
    rows = queries.liability(uow)
    return {"programs": rows, "consistent": all(r["consistent"] for r in rows)}


@router.get("/v1/reports/card-alerts", response_model=CardAlerts, responses=ERRORS)
def card_alerts(
    person: PersonDep, uow: ReadUow, limit: int = Query(100, ge=1, le=queries.HISTORY_MAX)
) -> dict[str, Any]:
    """Purse cards that replayed an old state, skipped operations or diverged from the ledger."""
    person.require(Role.ADMIN, Role.FINANCE)
    return {"alerts": queries.card_alert_list(uow, limit)}


@router.get("/v1/reports/clearing", response_model=Clearing, responses=ERRORS)
def store_clearing(
    person: PersonDep,
    uow: ReadUow,
    start: int = Query(..., ge=0, description="period start, epoch seconds (inclusive)"),
    end: int = Query(..., gt=0, description="period end, epoch seconds (exclusive)"),
) -> dict[str, Any]:
    """Store-to-store clearing over a period: cash taken for stored value, value redeemed, net
    due per store. Store-scoped finance sees its own store only."""
    person.require(Role.ADMIN, Role.FINANCE)
    return {"start": start, "end": end,
            "stores": clearing(uow, start, end, store=person.store_id)}  # fmt: skip
