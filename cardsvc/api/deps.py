"""Request dependencies: the wired Ledger, the authenticated person, the verified terminal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from cardsvc.protocol.signing import SignatureParams
from cardsvc.protocol.strict_verify import verify_signed
from cardsvc.services.errors import UnsupportedMediaType
from cardsvc.services.ingest import Actor, Evidence
from cardsvc.services.people import Person, authenticate
from cardsvc.storage.unit_of_work import UnitOfWork
from cardsvc.vouchers.service import Vouchers
from cardsvc.wiring import Ledger


def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


def read_uow(ledger: LedgerDep) -> Iterator[UnitOfWork]:
    with ledger.db.read() as uow:
        yield uow


def write_uow(ledger: LedgerDep) -> Iterator[UnitOfWork]:
    with ledger.db.write() as uow:
        yield uow


# scope="function": the transaction commits (and the connection returns to the pool) before
# the response is sent. With the default ("request") the client was answered 201 first and the
# commit ran afterwards: a client could act on a row not yet visible to another worker, and a
# failed commit was never reported to it.
ReadUow = Annotated[UnitOfWork, Depends(read_uow, scope="function")]
WriteUow = Annotated[UnitOfWork, Depends(write_uow, scope="function")]


def current_person(ledger: LedgerDep, authorization: Annotated[str, Header()] = "") -> Person:
    token = authorization.removeprefix("Bearer ").strip()
    with ledger.db.read() as uow:
        return authenticate(uow, token)


PersonDep = Annotated[Person, Depends(current_person)]


def get_vouchers(ledger: LedgerDep) -> Vouchers:
    """The process's vouchers (built by the wiring), or 503 when no QR key is configured."""
    return ledger.require_vouchers()


VouchersDep = Annotated[Vouchers, Depends(get_vouchers)]


SIGNED_CONTENT_TYPE = "application/json"  # what every terminal signs (protocol.signing)


@dataclass(frozen=True)
class SignedRequest:
    actor: Actor
    evidence: Evidence
    params: SignatureParams


async def signed_request(request: Request, ledger: LedgerDep) -> SignedRequest:
    """Verify the terminal's RFC 9421 signature over this request (raises SignatureRejected)."""
    body = await request.body()
    now = ledger.clock()
    params, key = verify_signed(
        request.method,
        str(request.url),
        request.headers,
        body,
        lambda key_id: ledger.keys.lookup(key_id, now),
        now=now,
        window_s=ledger.settings.signature_window_s,
    )
    if request.headers.get("content-type") != SIGNED_CONTENT_TYPE:
        # The content type is covered by the signature but not kept with the evidence: any
        # other value would make a stored request impossible to re-verify later.
        raise UnsupportedMediaType(f"signed requests are sent as {SIGNED_CONTENT_TYPE}")
    actor = Actor(key.terminal_id, ledger.keys.store_of(params.key_id))
    evidence = Evidence(
        params.key_id,
        params.created,
        params.nonce,
        request.method,
        request.url.path,
        params.signature_input,
        params.signature,
        params.content_digest,
        body,
    )
    return SignedRequest(actor, evidence, params)


SignedDep = Annotated[SignedRequest, Depends(signed_request)]
