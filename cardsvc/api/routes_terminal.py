"""Endpoints terminals call: enrollment, signed transaction batches, look-ups, key rotation."""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cardsvc.api.deps import LedgerDep, ReadConn, SignedDep, WriteConn
from cardsvc.protocol.messages import BatchRequest, BatchResponse
from cardsvc.services import queries, terminals
from cardsvc.services.errors import Invalid
from cardsvc.services.ingest import Submission

router = APIRouter(tags=["terminals"])


class EnrollRequest(BaseModel):
    terminal_id: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=8, max_length=64, description="one-time enrollment code")
    public_key: str = Field(description="the terminal's Ed25519 public key, raw 32 bytes, base64")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "terminal_id": "HN01-POS1",
                    "code": "9F3A0C51D2E47B18A6C0DD21",
                    "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
                }
            ]
        }
    }


class EnrollResponse(BaseModel):
    key_id: str
    terminal_id: str
    store_id: str


class RotateRequest(BaseModel):
    public_key: str = Field(description="the new Ed25519 public key, raw 32 bytes, base64")


def _decode_key(b64: str) -> bytes:
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("public_key is not base64") from exc
    if len(raw) != 32:
        raise Invalid("public_key must be 32 raw bytes (Ed25519)")
    return raw


@router.post("/v1/terminals/enroll", response_model=EnrollResponse)
def enroll(body: EnrollRequest, ledger: LedgerDep, conn: WriteConn) -> EnrollResponse:
    """A pending terminal registers its public key with the one-time code an admin gave it."""
    key_id = terminals.enroll(
        conn, body.terminal_id, body.code, _decode_key(body.public_key), ledger.clock()
    )
    terminal = terminals.get_terminal(conn, body.terminal_id)
    return EnrollResponse(key_id=key_id, terminal_id=terminal.id, store_id=terminal.store_id)


@router.post("/v1/batches", response_model=BatchResponse, responses={401: {}, 422: {}, 503: {}})
async def submit_batch(signed: SignedDep, ledger: LedgerDep) -> BatchResponse:
    """Apply a signed batch of transactions (one for an online tap, up to 8192 from an
    offline queue). One result per transaction, in order; resends return the first result."""
    started = time.perf_counter()
    batch = BatchRequest.model_validate_json(signed.evidence.body)
    sub = Submission(signed.actor, batch.transactions, signed.evidence)
    outcome = await asyncio.wrap_future(ledger.committer.submit(sub))
    for r in outcome.results:
        ledger.metrics.results.labels(r.code).inc()
    ledger.metrics.batch_latency.observe(time.perf_counter() - started)
    return BatchResponse(request_id=outcome.request_id, results=outcome.results)


@router.get("/v1/terminal/instruments/{instrument_id}")
def terminal_lookup(instrument_id: str, signed: SignedDep, conn: ReadConn) -> dict[str, Any]:
    """Balance and status of an instrument, for the terminal that has it in front of it."""
    return queries.instrument_view(conn, instrument_id)


@router.get("/v1/terminal/hotlist")
def terminal_hotlist(signed: SignedDep, conn: ReadConn) -> dict[str, Any]:
    """Blocked instruments: the terminal refuses them even when offline."""
    return {"blocked": queries.hotlist(conn)}


@router.post("/v1/terminal/keys")
def rotate_key(
    body: RotateRequest, signed: SignedDep, ledger: LedgerDep, conn: WriteConn
) -> dict[str, str]:
    """Signed with the current key: enroll a new key; the current one retires after the
    overlap window, so batches signed before the rotation still land."""
    new_key = terminals.rotate_key(
        conn,
        signed.actor.terminal_id,
        signed.params.key_id,
        _decode_key(body.public_key),
        ledger.clock(),
        ledger.settings.key_overlap_s,
    )
    ledger.keys.forget(signed.params.key_id)
    return {"key_id": new_key, "retiring": signed.params.key_id}
