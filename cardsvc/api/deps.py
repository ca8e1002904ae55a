"""Request dependencies: the wired Ledger, the authenticated person, the verified terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response

from cardsvc.protocol.signing import SignatureParams
from cardsvc.protocol.strict_verify import verify_signed
from cardsvc.services.errors import Forbidden, Unauthorized, UnsupportedMediaType
from cardsvc.services.ingest import Actor, Evidence
from cardsvc.services.people import Person, Role, authenticate
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
    """The person whose token is in the Authorization header ("Bearer <token>", nothing else)."""
    scheme, _, token = authorization.strip().partition(" ")
    if authorization and (scheme.lower() != "bearer" or not token.strip()):
        raise Unauthorized('the Authorization header must be "Bearer <API token>"')
    with ledger.db.read() as uow:
        return authenticate(uow, token.strip())


# Authenticated, but NO access rule declared: routes declare theirs with `allow(...)` below.
PersonDep = Annotated[Person, Depends(current_person)]


# --- access rules: declared on each route, checked here, in one place ----------------------


class Scope(StrEnum):
    """Which stores a person may act for on a route (roles say what they may do at all)."""

    ANY = "any"  # every store: cards roam across the chain (look-ups, blocking a lost card)
    CHAIN = "chain"  # chain-wide figures and settings: people without a store only
    OWN_STORE = "own_store"  # the resource's store (found by `store_of`), or no store
    OWN_ROWS = "own_rows"  # the answer is filtered to the person's store (reports)


StoreOf = Callable[[Request, Ledger], "str | None"]


@dataclass(frozen=True)
class Rule:
    """Who may call a route. `kind`: "person" (roles and scope), "terminal" (a valid RFC 9421
    signature of an enrolled terminal) or "public" (anyone; `why` says why)."""

    kind: str
    roles: tuple[Role, ...] = ()
    scope: Scope = Scope.ANY
    store_of: StoreOf | None = None
    why: str = ""


def authorize(person: Person, rule: Rule, request: Request, ledger: Ledger) -> None:
    """The one scope check every person route goes through (via `allow`)."""
    person.require(*rule.roles)
    if rule.scope is Scope.CHAIN and person.store_id is not None:
        raise Forbidden(f"{person.id} acts for store {person.store_id}; this is chain-wide")
    if rule.scope is Scope.OWN_STORE and person.store_id is not None:
        assert rule.store_of is not None, "an own-store rule names how to find the store"
        store = rule.store_of(request, ledger)
        if store is not None and store != person.store_id:
            raise Forbidden(f"{person.id} may act only for store {person.store_id}")


def allow(*roles: Role, scope: Scope = Scope.ANY, store_of: StoreOf | None = None) -> Any:
    """The access rule of a person route, declared on it:

        person: Annotated[Person, allow(Role.ADMIN, Role.FINANCE, scope=Scope.OWN_ROWS)]

    The dependency authenticates the token, then `authorize` checks role and scope."""
    assert roles, "name the roles that may call the route"
    assert (scope is Scope.OWN_STORE) == (store_of is not None), "own_store needs store_of"
    rule = Rule("person", tuple(roles), scope, store_of)

    def person_allowed(
        request: Request, ledger: LedgerDep, authorization: Annotated[str, Header()] = ""
    ) -> Person:
        person = current_person(ledger, authorization)
        authorize(person, rule, request, ledger)
        return person

    person_allowed.rule = rule  # type: ignore[attr-defined]  # read by the access tests
    return Depends(person_allowed)


def public(why: str) -> Any:
    """Declare a route open to anyone (`dependencies=[public("...")]`), saying why."""

    def open_to_anyone() -> None:
        return None

    open_to_anyone.rule = Rule("public", why=why)  # type: ignore[attr-defined]
    return Depends(open_to_anyone)


CHAIN_STORE = "hq"  # what owns an instrument no store issued (printed vouchers, ...)


def instrument_store(request: Request, ledger: Ledger) -> str | None:
    """The store that issued the instrument of the path; None when there is no such
    instrument (the route answers 404)."""
    with ledger.db.read() as uow:
        view = uow.reports.instrument(request.path_params["instrument_id"])
    if view is None:
        return None
    store: str | None = view["store"]
    return store or CHAIN_STORE


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


CLOCK_SKEW_HEADER = "Clock-Skew"  # signed answers: the terminal's clock minus the ledger's, s


async def signed_request(
    request: Request, response: Response, ledger: LedgerDep
) -> SignedRequest:
    """Verify the terminal's RFC 9421 signature over this request (raises SignatureRejected).
    Every answer tells the terminal how far its clock is from the ledger's (Clock-Skew)."""
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
    response.headers[CLOCK_SKEW_HEADER] = str(params.created - now)
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


signed_request.rule = Rule("terminal")  # type: ignore[attr-defined]
SignedDep = Annotated[SignedRequest, Depends(signed_request)]
