"""Endpoints terminals call: enrollment, signed transaction batches, look-ups, key rotation."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from cardsvc.api.deps import CLOCK_SKEW_HEADER, LedgerDep, ReadUow, SignedDep, WriteUow, public
from cardsvc.api.loyalty_views import with_loyalty
from cardsvc.api.views import ERRORS, HistoryEntry, Hotlist, InstrumentView
from cardsvc.customers.birthday import customer_badge
from cardsvc.protocol.messages import BatchResponse
from cardsvc.protocol.shift_report import ShiftReportMsg
from cardsvc.protocol.wire import decode_batch, encode_response
from cardsvc.services import queries, shift_reports, terminals
from cardsvc.services.ingest import Submission

router = APIRouter(tags=["terminals"])


_ENROLMENT_EXAMPLE: dict[str, Any] = {
    "body": {
        "format": "cardkeys-terminal-enrolment/1",
        "terminal_id": "HN01-POS1",
        "key_id": "789fcda4d1b253ee",
        "created_at": 1795508844,
        "previous_key_id": None,
        "public_key": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    },
    "proof": "<base64 Ed25519 signature by the enrolled key (keys.enrolment)>",
}


class EnrollRequest(BaseModel):
    terminal_id: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=8, max_length=64, description="one-time enrollment code")
    enrolment: dict[str, Any] = Field(
        description="keys.enrolment request: the public key and a proof of possession"
    )

    model_config = {"json_schema_extra": {"examples": [
        {"terminal_id": "HN01-POS1", "code": "9F3A0C51D2E47B18A6C0DD21",
         "enrolment": _ENROLMENT_EXAMPLE},
    ]}}  # fmt: skip


class KeysetSigner(BaseModel):
    key_id: str
    public_key: str = Field(description="raw Ed25519 public key, hex")


class EnrollResponse(BaseModel):
    key_id: str
    terminal_id: str
    store_id: str
    keyset_signers: list[KeysetSigner] = Field(
        default_factory=list,
        description="the keys that sign the QR key set; the terminal trusts them from now on",
    )


class RotateRequest(BaseModel):
    enrolment: dict[str, Any] = Field(
        description="keys.enrolment request for the new key, endorsed by the current key"
    )


@router.post(
    "/v1/terminals/enroll",
    response_model=EnrollResponse,
    responses=ERRORS,
    dependencies=[public("a pending terminal proves itself with its one-time enrollment code")],
)
def enroll(body: EnrollRequest, ledger: LedgerDep, uow: WriteUow) -> EnrollResponse:
    """A pending terminal registers its public key with the one-time code an admin gave it."""
    key_id = terminals.enroll(uow, body.terminal_id, body.code, body.enrolment, ledger.clock())
    terminal = terminals.get_terminal(uow, body.terminal_id)
    signers = [] if ledger.vouchers is None else ledger.vouchers.keys.snapshot().keyset_keys
    return EnrollResponse(
        key_id=key_id, terminal_id=terminal.id, store_id=terminal.store_id,
        keyset_signers=[KeysetSigner(key_id=k.key_id, public_key=k.public_key.hex())
                        for k in signers],
    )  # fmt: skip


@router.post("/v1/batches", response_model=BatchResponse, responses=ERRORS)
async def submit_batch(signed: SignedDep, ledger: LedgerDep) -> Response:
    """Apply a signed batch of transactions (one for an online tap, up to 8192 from an
    offline queue). One result per transaction, in order; resends return the first result."""
    started = time.perf_counter()
    # The hot path: msgspec mirrors of BatchRequest/BatchResponse (protocol.wire); the
    # response_model above documents the same JSON.
    sub = Submission(signed.actor, decode_batch(signed.evidence.body), signed.evidence)
    outcome = await asyncio.wrap_future(ledger.committer.submit(sub))
    for code, count in Counter(r.code for r in outcome.results).items():
        ledger.metrics.results.labels(code).inc(count)
    ledger.metrics.batch_latency.observe(time.perf_counter() - started)
    body = encode_response(outcome.request_id, outcome.results)
    skew = str(signed.params.created - ledger.clock())  # the terminal learns its clock's skew
    return Response(body, media_type="application/json", headers={CLOCK_SKEW_HEADER: skew})


@router.get(
    "/v1/terminal/instruments/{instrument_id}", response_model=InstrumentView, responses=ERRORS
)
def terminal_lookup(
    instrument_id: str, signed: SignedDep, ledger: LedgerDep, uow: ReadUow
) -> dict[str, Any]:
    """Balance and status of an instrument, for the terminal that has it in front of it (a
    card's name, `card-<UID>`, answers the instrument the card belongs to); a member card's
    tier and points with it, and its customer's name and birthday banner when it belongs to
    one."""
    view = with_loyalty(uow, queries.card_instrument_view(uow, instrument_id), ledger.clock())
    view["customer"] = customer_badge(uow, str(view["id"]), ledger.clock())
    view["reloadable"] = queries.takes_top_ups(uow, view)
    return view


KIOSK_HISTORY_MAX = 50


class InstrumentTerms(BaseModel):
    """The conditions a customer reads at a kiosk (the program's terms)."""

    kind: str
    reloadable: bool
    uses: int | None
    discount_bp: int
    discount_cap: int
    min_spend: int
    passback_s: int
    accepted_stores: list[str]
    accepted_terminals: list[str]


class InstrumentSummary(BaseModel):
    instrument: InstrumentView
    terms: InstrumentTerms | None
    history: list[HistoryEntry] = Field(description="applied operations only, newest first")


@router.get(
    "/v1/terminal/instruments/{instrument_id}/summary", response_model=InstrumentSummary,
    responses=ERRORS,
)  # fmt: skip
def terminal_summary(
    instrument_id: str, signed: SignedDep, uow: ReadUow,
    limit: int = Query(10, ge=1, le=KIOSK_HISTORY_MAX),
) -> dict[str, Any]:  # fmt: skip
    """Balance, conditions and recent history, for a kiosk showing a customer their card,
    gift card, voucher or ticket."""
    view = queries.instrument_view(uow, instrument_id)
    found = uow.programs.terms(view["program"])
    terms = None
    if found is not None:
        spec = found[0]
        terms = InstrumentTerms(
            kind=str(spec.kind), reloadable=spec.reloadable, uses=spec.uses,
            discount_bp=spec.discount_bp, discount_cap=spec.discount_cap,
            min_spend=spec.min_spend, passback_s=spec.passback_s,
            accepted_stores=sorted(spec.accepted_stores),
            accepted_terminals=sorted(spec.accepted_terminals),
        )  # fmt: skip
    rows = queries.instrument_history(uow, instrument_id, KIOSK_HISTORY_MAX)
    history = [h for h in rows if h["code"] == "ok"][:limit]
    return {"instrument": view, "terms": terms, "history": history}


@router.get("/v1/terminal/hotlist", response_model=Hotlist, responses=ERRORS)
def terminal_hotlist(signed: SignedDep, uow: ReadUow) -> dict[str, Any]:
    """Blocked instruments and cards: the terminal refuses them even when offline; and the
    cards with value changed at the ledger to write to them at their next tap."""
    return {"blocked": queries.hotlist(uow), "blocked_media": queries.blocked_media(uow),
            "pending_updates": queries.cards_with_updates(uow)}  # fmt: skip


@router.post("/v1/terminal/keys", responses=ERRORS)
def rotate_key(
    body: RotateRequest, signed: SignedDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, str]:
    """Signed with the current key: enroll a new key; the current one retires after the
    overlap window, so batches signed before the rotation still land."""
    new_key = terminals.rotate_key(
        uow,
        signed.actor.terminal_id,
        signed.params.key_id,
        body.enrolment,
        ledger.clock(),
        ledger.settings.key_overlap_s,
    )
    ledger.keys.forget(signed.params.key_id)
    return {"key_id": new_key, "retiring": signed.params.key_id}


@router.post("/v1/terminal/shift-reports", responses=ERRORS)
def shift_report(
    body: ShiftReportMsg, signed: SignedDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, str]:
    """A shift (Z) report, sent by the till when the shift closes: kept once for the store of
    the terminal that signed it (`stored`); a resend answers `exists` and changes nothing."""
    actor = signed.actor
    state = shift_reports.receive(uow, actor.terminal_id, actor.store_id, body, ledger.clock())
    return {"state": state}
