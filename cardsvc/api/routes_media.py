"""Card media for people: look a card up, replace a lost, stolen or damaged card, close holding
windows, and value changes made at the ledger that are written to the card at its next tap."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cardsvc.api.deps import LedgerDep, PersonDep, ReadUow, SignedDep, WriteUow
from cardsvc.api.views import ERRORS
from cardsvc.core import AMOUNT_MAX
from cardsvc.core.media import CardReading, MediumState
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.services import card_updates, media, torn
from cardsvc.services.errors import Invalid
from cardsvc.services.ingest import Actor
from cardsvc.services.people import Role

router = APIRouter(tags=["card media"])

HQ_STORE = "hq"  # the store recorded for actions taken by people without a store
Uid = Field(pattern=r"^[0-9A-F]{8,20}$", description="card UID, upper-case hex")
OptId = Field(None, min_length=1, max_length=48, pattern=r"^[A-Za-z0-9_.:\-]+$")


class Reading(BaseModel):
    value: int = Field(ge=0, le=2**31 - 1, strict=True, description="purse value read")
    counter: int = Field(ge=0, le=2**32 - 1, strict=True, description="card counter read")


class ReplaceIn(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{
        "id": "HN01-rp-0001", "new_uid": "04B7C8D9E0F102", "reason": "lost",
        "new_card_type": "desfire",
    }]}}  # fmt: skip

    id: str | None = OptId
    new_uid: str = Uid
    reason: Literal["lost", "stolen", "damaged"]
    new_card_type: Literal["desfire", "ntag", "uid"] = "desfire"
    reading: Reading | None = Field(None, description="a damaged card that still answers")


class ChangeIn(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{
        "id": "HQ-adj-0001", "instrument": "card-04A1B2C3D4E5F6", "kind": "adjustment",
        "amount": 50000, "credit": True, "note": "Bồi thường",
    }]}}  # fmt: skip

    id: str | None = OptId
    instrument: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    kind: Literal["top_up", "adjustment", "refund"]
    amount: int = Field(gt=0, le=AMOUNT_MAX, strict=True)
    credit: bool = Field(True, description="adjustments: credit (true) or debit (false)")
    ref: str | None = Field(None, max_length=64, description="refund: the redemption")
    note: str | None = Field(None, max_length=200)


@router.get("/v1/cards/{uid}", responses=ERRORS)
def card(uid: str, person: PersonDep, uow: ReadUow) -> dict[str, Any]:
    """A card by UID: its state, its instrument, the value queued for it."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    return media.card(uow, uid.upper())


@router.get("/v1/instruments/{instrument_id}/media", responses=ERRORS)
def instrument_media(instrument_id: str, person: PersonDep, uow: ReadUow) -> dict[str, Any]:
    """Every card the instrument has had, oldest first."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    return {"instrument": instrument_id, "media": media.media_of(uow, instrument_id)}


@router.post("/v1/cards/{uid}/replace", status_code=201, responses=ERRORS)
def replace(uid: str, body: ReplaceIn, person: PersonDep, ledger: LedgerDep) -> dict[str, Any]:
    """Replace a lost, stolen or damaged card (any store's staff: cards roam the chain). The
    old card is refused at once; its purse value is held for late offline taps and moves to
    the new card when the holding window closes. Retrying with the same id is harmless."""
    person.require(Role.ADMIN, Role.STAFF)
    reading = CardReading(body.reading.value, body.reading.counter) if body.reading else None
    req = media.ReplaceRequest(
        id=body.id or uuid.uuid4().hex[:32], old_uid=uid.upper(), new_uid=body.new_uid,
        reason=MediumState(body.reason), new_card_type=body.new_card_type,
        store_id=person.store_id or HQ_STORE, by_user=person.id, reading=reading,
    )  # fmt: skip
    window = ledger.settings.card_holding_window_s
    return media.replace_card(ledger.db, ledger.committer.policy, req, ledger.clock(), window)


@router.get("/v1/replacements/{replacement_id}", responses=ERRORS)
def replacement(replacement_id: str, person: PersonDep, uow: ReadUow) -> dict[str, Any]:
    """The receipt of a replacement: what was held, what late taps spent, what moved."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    return media.receipt(uow, replacement_id)


@router.get("/v1/replacements", responses=ERRORS)
def replacements(
    person: PersonDep,
    uow: ReadUow,
    state: Literal["holding", "closed", "finance"] | None = None,
    limit: int = Query(100, ge=1, le=500),
) -> dict[str, Any]:
    """Replacements, soonest window end first (finance: windows still open, or left to it)."""
    person.require(Role.ADMIN, Role.FINANCE)
    rows = uow.media.replacements(state=state, limit=limit)
    return {"replacements": [media.receipt(uow, r["id"]) for r in rows]}


@router.post("/v1/replacements/close-due", responses=ERRORS)
def close_due(person: PersonDep, ledger: LedgerDep) -> dict[str, Any]:
    """Close every holding window that has ended (idempotent; a timer or `cardsvc media
    close-due` does the same)."""
    person.require(Role.ADMIN, Role.FINANCE)
    closed = media.close_due(ledger.db, ledger.committer.policy, ledger.clock())
    return {"closed": closed}


@router.post("/v1/card-updates", status_code=201, responses=ERRORS)
def ledger_change(body: ChangeIn, person: PersonDep, ledger: LedgerDep) -> dict[str, Any]:
    """A value change made at the ledger (a top-up paid online or at another store, a staff
    adjustment, a refund to a purse): posted now, written to the card at its next tap."""
    if body.kind == "adjustment":
        person.require(Role.ADMIN, Role.FINANCE)
    else:
        person.require(Role.ADMIN, Role.STAFF)
    change = card_updates.LedgerChange(
        id=body.id or uuid.uuid4().hex[:32], kind=body.kind, instrument=body.instrument,
        amount=body.amount, credit=body.credit, ref=body.ref, note=body.note,
    )  # fmt: skip
    actor = Actor("api", person.store_id or HQ_STORE, by_user=person.id)
    return card_updates.apply_change(
        ledger.db, ledger.committer.policy, change, actor, ledger.clock()
    )


@router.get("/v1/instruments/{instrument_id}/card-updates", responses=ERRORS)
def instrument_updates(instrument_id: str, person: PersonDep, uow: ReadUow) -> dict[str, Any]:
    """Value changes queued for the instrument's card, and those already written."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    return {"instrument": instrument_id,
            "updates": card_updates.pending_view(uow, instrument_id)}  # fmt: skip


# --- for terminals (signed by the terminal's key) ----------------------------------------------
class TerminalReplaceIn(ReplaceIn):
    staff: str = Field(min_length=1, max_length=64, description="who replaces it at the counter")


@router.get("/v1/terminal/cards/{uid}", responses=ERRORS)
def terminal_card(uid: str, signed: SignedDep, uow: ReadUow) -> dict[str, Any]:
    """A card at a tap: its state and instrument, and the ledger-side changes to write to it
    (only when its counter is `card_counter`, the last one the ledger saw)."""
    return card_updates.for_terminal(uow, uid.upper())


@router.get("/v1/terminal/cards/{uid}/view", responses=ERRORS)
def terminal_card_view(uid: str, signed: SignedDep, uow: ReadUow) -> dict[str, Any]:
    """A card by UID for the counter's replacement screen: state, instrument, balance."""
    return media.card(uow, uid.upper())


@router.post("/v1/terminal/cards/{uid}/replace", status_code=201, responses=ERRORS)
def terminal_replace(
    uid: str, body: TerminalReplaceIn, signed: SignedDep, ledger: LedgerDep
) -> dict[str, Any]:
    """Replace a card at a store's counter: as `POST /v1/cards/{uid}/replace`, for the store
    of the terminal that signs it, recording the staff member on shift."""
    reading = CardReading(body.reading.value, body.reading.counter) if body.reading else None
    req = media.ReplaceRequest(
        id=body.id or uuid.uuid4().hex[:32], old_uid=uid.upper(), new_uid=body.new_uid,
        reason=MediumState(body.reason), new_card_type=body.new_card_type,
        store_id=signed.actor.store_id, by_user=f"{signed.actor.terminal_id}:{body.staff}"[:64],
        reading=reading,
    )  # fmt: skip
    window = ledger.settings.card_holding_window_s
    return media.replace_card(ledger.db, ledger.committer.policy, req, ledger.clock(), window)


class TornIn(BaseModel):
    """Purse operations torn at this till whose card left and has not come back: each as the
    till would have sent it, with the card evidence it would have carried."""

    transactions: list[TransactionMsg] = Field(min_length=1, max_length=100)


@router.post("/v1/terminal/torn", responses=ERRORS)
def report_torn(body: TornIn, signed: SignedDep, ledger: LedgerDep, uow: WriteUow
                ) -> dict[str, Any]:  # fmt: skip
    """The card's next appearance at any till settles each (or finance does, after a window):
    the answer says where each stands (open, committed, sent, cancelled, refused)."""
    return torn.report(uow, signed.actor.terminal_id, signed.evidence, body.transactions,
                       ledger.clock())  # fmt: skip


@router.get("/v1/terminal/torn", responses=ERRORS)
def torn_states(
    signed: SignedDep,
    uow: ReadUow,
    ids: str = Query(..., min_length=1, max_length=6600, pattern=r"^[A-Za-z0-9_.:,\-]+$",
                     description="comma-separated transaction ids, at most 100"),
) -> dict[str, Any]:
    """Where this till's reported torn operations stand (it settles its own entries so)."""
    wanted = ids.split(",")
    if len(wanted) > 100:
        raise Invalid("at most 100 ids")
    return {"states": uow.media.torn_states(signed.actor.terminal_id, wanted)}


@router.get("/v1/reports/torn", responses=ERRORS)
def torn_report(
    person: PersonDep,
    uow: ReadUow,
    ledger: LedgerDep,
    state: Literal["open", "committed", "sent", "cancelled", "refused"] | None = "open",
    older_than_s: int = Query(0, ge=0, le=365 * 86400),
    limit: int = Query(100, ge=1, le=500),
) -> dict[str, Any]:
    """Torn purse operations reported by tills: those still open after `older_than_s` are
    finance's to resolve (the card has not been seen since)."""
    person.require(Role.ADMIN, Role.FINANCE)
    before = ledger.clock() - older_than_s
    return {"torn": uow.media.torn_list(state=state, reported_before=before, limit=limit)}
