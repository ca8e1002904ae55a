"""Instruments for people: look-up, history, block / unblock / expire; finance reports."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter

from cardsvc.api.deps import LedgerDep, ReadUow, Scope, allow, instrument_store
from cardsvc.api.loyalty_views import with_loyalty
from cardsvc.api.params import query_int
from cardsvc.api.views import (
    ERRORS,
    CardAlerts,
    Clearing,
    InstrumentHistory,
    InstrumentView,
    Liability,
)
from cardsvc.core import ResultCode
from cardsvc.core.bounds import EPOCH, PAGE
from cardsvc.protocol.messages import ResultMsg
from cardsvc.protocol.wire import result_msg
from cardsvc.services import audit, queries
from cardsvc.services.clearing import clearing
from cardsvc.services.errors import NotFound
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import StaffOp, staff_instruction
from cardsvc.services.people import Person, Role
from cardsvc.wiring import Ledger

router = APIRouter(tags=["instruments"])

HQ_STORE = "hq"  # the store recorded for actions taken by people without a store


AnyPerson = Annotated[Person, allow(Role.ADMIN, Role.FINANCE, Role.STAFF)]


@router.get("/v1/instruments/{instrument_id}", response_model=InstrumentView, responses=ERRORS)
def lookup(
    instrument_id: str, person: AnyPerson, ledger: LedgerDep, uow: ReadUow
) -> dict[str, Any]:
    """Balance, status and validity (a member card's tier and points with them). Cards roam
    across the chain: any store's staff may look."""
    return with_loyalty(uow, queries.instrument_view(uow, instrument_id), ledger.clock())


@router.get(
    "/v1/instruments/{instrument_id}/history", response_model=InstrumentHistory, responses=ERRORS
)
def history(
    instrument_id: str,
    person: AnyPerson,
    uow: ReadUow,
    limit: int = query_int(PAGE, 100, hi=queries.HISTORY_MAX),
) -> dict[str, Any]:
    view = queries.instrument_view(uow, instrument_id)
    return {
        "instrument": view,
        "transactions": queries.instrument_history(uow, instrument_id, limit),
    }


@router.post("/v1/instruments/{instrument_id}/block", response_model=ResultMsg, responses=ERRORS)
async def block(
    instrument_id: str,
    person: Annotated[Person, allow(Role.ADMIN, Role.STAFF)],
    ledger: LedgerDep,
) -> ResultMsg:
    """Block a lost card: any store's staff (cards roam; the customer reports where they are)."""
    return await _act("block", instrument_id, person, ledger)


@router.post("/v1/instruments/{instrument_id}/unblock", response_model=ResultMsg, responses=ERRORS)
async def unblock(
    instrument_id: str,
    person: Annotated[
        Person, allow(Role.ADMIN, Role.STAFF, scope=Scope.OWN_STORE, store_of=instrument_store)
    ],
    ledger: LedgerDep,
) -> ResultMsg:
    """Unblock: the issuing store's staff, or an administrator."""
    return await _act("unblock", instrument_id, person, ledger)


@router.post("/v1/instruments/{instrument_id}/expire", response_model=ResultMsg, responses=ERRORS)
async def expire(
    instrument_id: str,
    person: Annotated[
        Person, allow(Role.ADMIN, Role.FINANCE, scope=Scope.OWN_STORE, store_of=instrument_store)
    ],
    ledger: LedgerDep,
) -> ResultMsg:
    """Expire: the remaining value moves to breakage. The issuing store's finance, head-office
    finance or an administrator."""
    return await _act("expire", instrument_id, person, ledger)


async def _act(action: StaffOp, instrument_id: str, person: Person, ledger: Ledger) -> ResultMsg:
    msg = staff_instruction(action, instrument_id)
    actor = Actor("api", person.store_id or HQ_STORE, by_user=person.id)
    outcome = await asyncio.wrap_future(ledger.committer.submit(Submission(actor, [msg])))
    result = result_msg(outcome.results[0])
    if result.code == ResultCode.NOT_FOUND:
        raise NotFound(f"no instrument {instrument_id}")
    if result.code == "ok":  # the audit log has every change a person made, by any way in
        with ledger.db.write() as uow:
            audit.record(uow, ledger.clock(), person.id, f"instrument.{action}", instrument_id,
                         None, {"code": result.code}, "api")  # fmt: skip
    return result


@router.get("/v1/reports/liability", response_model=Liability, responses=ERRORS)
def liability(
    person: Annotated[Person, allow(Role.ADMIN, Role.FINANCE, scope=Scope.CHAIN)], uow: ReadUow
) -> dict[str, Any]:
    """Outstanding stored value per program and unit, checked against the journal: chain-wide
    figures, for administrators and head-office finance."""
    rows = queries.liability(uow)
    return {"programs": rows, "consistent": all(r["consistent"] for r in rows)}


FinanceRows = Annotated[Person, allow(Role.ADMIN, Role.FINANCE, scope=Scope.OWN_ROWS)]


@router.get("/v1/reports/card-alerts", response_model=CardAlerts, responses=ERRORS)
def card_alerts(
    person: FinanceRows, uow: ReadUow, limit: int = query_int(PAGE, 100, hi=queries.HISTORY_MAX)
) -> dict[str, Any]:
    """Purse cards that replayed an old state, skipped operations or diverged from the ledger.
    Store-scoped finance sees the alerts of its store's cards and terminals."""
    return {"alerts": queries.card_alert_list(uow, limit, store=person.store_id)}


@router.get("/v1/reports/clearing", response_model=Clearing, responses=ERRORS)
def store_clearing(
    person: FinanceRows,
    uow: ReadUow,
    start: int = query_int(EPOCH, description="period start, epoch seconds (inclusive)"),
    end: int = query_int(EPOCH, description="period end, epoch seconds (exclusive)", lo=1),
) -> dict[str, Any]:
    """Store-to-store clearing over a period: cash taken for stored value, value redeemed, net
    due per store. Store-scoped finance sees its own store only."""
    return {"start": start, "end": end,
            "stores": clearing(uow, start, end, store=person.store_id)}  # fmt: skip
