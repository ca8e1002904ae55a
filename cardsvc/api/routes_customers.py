"""Customers for people (sign-up, look-up by phone, changes, consent, cards, merge, privacy)
and for terminals (look-up and sign-up at the counter, signed like every terminal request).

Phones are shown in full only to the roles the settings name; everyone else sees 090****800.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cardsvc.api.deps import LedgerDep, PersonDep, ReadUow, SignedDep, WriteUow
from cardsvc.api.views import ERRORS
from cardsvc.customers import merge, privacy, records
from cardsvc.customers.birthday import in_birthday_week
from cardsvc.customers.errors import CustomerNotFound
from cardsvc.protocol.messages import Id
from cardsvc.services.people import Person, Role

router = APIRouter(tags=["customers"])
Short = Annotated[str, Field(max_length=200)]


class SignUpRequest(BaseModel):
    phone: str = Field(max_length=32, examples=["0909 421 800"])
    name: Short
    birth_day: int | None = Field(None, ge=1, le=31)
    birth_month: int | None = Field(None, ge=1, le=12)
    birth_year: int | None = Field(None, ge=1900, le=2200)
    email: str | None = Field(None, max_length=254)
    gender: str | None = Field(None, max_length=16)
    lang: str = Field("vi", max_length=8)
    home_store: Id | None = None
    consent: bool = False
    referral_code: str | None = Field(None, max_length=32)
    instrument: Id | None = None
    tz: str | None = Field(None, max_length=64)


class UpdateRequest(BaseModel):
    name: Short | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    birth_day: int | None = Field(None, ge=1, le=31)
    birth_month: int | None = Field(None, ge=1, le=12)
    birth_year: int | None = Field(None, ge=1900, le=2200)
    gender: str | None = Field(None, max_length=16)
    lang: str | None = Field(None, max_length=8)
    home_store: Id | None = None
    tz: str | None = Field(None, max_length=64)


class ConsentRequest(BaseModel):
    given: bool
    via: str = Field("api", min_length=1, max_length=32)


class LinkRequest(BaseModel):
    instrument: Id


class MergeRequest(BaseModel):
    drop: Id = Field(description="the record merged into this one")


class PhoneLookup(BaseModel):
    phone: str = Field(max_length=32)


def _form(body: SignUpRequest) -> records.SignUp:
    return records.SignUp(**body.model_dump())


def _view(uow: Any, ledger: Any, row: Any, person: Person) -> dict[str, Any]:
    c = ledger.customers
    return records.view(uow, row, c.settings, full_phone=c.sees_phones(person.role))


@router.post("/v1/customers", status_code=201, responses=ERRORS)
def sign_up(
    body: SignUpRequest, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    """Sign a customer up (phone, name, birthday day and month). A phone that already has a
    customer is refused with `phone_taken`."""
    person.require(Role.ADMIN, Role.STAFF, store_id=body.home_store)
    cfg = ledger.customers.settings
    row = records.sign_up(uow, _form(body), cfg, ledger.clock(), via="api", by=person.id)
    return _view(uow, ledger, row, person)


@router.get("/v1/customers", responses=ERRORS)
def find(
    person: PersonDep,
    ledger: LedgerDep,
    uow: ReadUow,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    store: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Look a customer up by phone, or list customers (of a home store) page by page."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    if phone is not None:
        row = records.find_by_phone(uow, phone, ledger.customers.settings)
        return {"customers": [] if row is None else [_view(uow, ledger, row, person)]}
    if person.store_id is not None:
        store = person.store_id  # staff and store finance list their own store's customers
    rows = uow.customers.listing(store=store, after=after, limit=limit)
    return {"customers": [_view(uow, ledger, r, person) for r in rows],
            "next": rows[-1].id if len(rows) == limit else None}  # fmt: skip


@router.get("/v1/customers/{customer_id}", responses=ERRORS)
def show(customer_id: Id, person: PersonDep, ledger: LedgerDep, uow: ReadUow) -> dict[str, Any]:
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    return _view(uow, ledger, records.get(uow, customer_id), person)


@router.patch("/v1/customers/{customer_id}", responses=ERRORS)
def change(
    customer_id: Id, body: UpdateRequest, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    person.require(Role.ADMIN, Role.STAFF)
    changes = body.model_dump(exclude_unset=True)
    row = records.update(uow, customer_id, changes, ledger.customers.settings, ledger.clock(),
                         person.id)  # fmt: skip
    return _view(uow, ledger, row, person)


@router.post("/v1/customers/{customer_id}/consent", responses=ERRORS)
def consent(
    customer_id: Id, body: ConsentRequest, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    """Record marketing consent given or withdrawn (when and how are kept)."""
    person.require(Role.ADMIN, Role.STAFF)
    row = records.set_consent(uow, customer_id, body.given, body.via, ledger.clock(), person.id)
    return _view(uow, ledger, row, person)


@router.post("/v1/customers/{customer_id}/instruments", responses=ERRORS)
def link(
    customer_id: Id, body: LinkRequest, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    """Give a card or any instrument to the customer (a replacement card keeps the customer)."""
    person.require(Role.ADMIN, Role.STAFF)
    row = records.get(uow, customer_id)
    records.link_instrument(uow, row.id, body.instrument, ledger.clock(), person.id)
    return _view(uow, ledger, row, person)


@router.post("/v1/customers/{customer_id}/merge", responses=ERRORS)
def merge_records(
    customer_id: Id, body: MergeRequest, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    """Merge another record of the same person into this one (administrators; audited)."""
    person.require(Role.ADMIN)
    done = merge.merge(uow, customer_id, body.drop, ledger.clock(), person.id)
    out = _view(uow, ledger, records.get(uow, done.kept), person)
    out["merged"] = {"dropped": done.dropped, "instruments": done.instruments}
    return out


@router.get("/v1/customers/{customer_id}/export", responses=ERRORS)
def export(customer_id: Id, person: PersonDep, ledger: LedgerDep, uow: WriteUow) -> dict[str, Any]:
    """Everything stored about the customer (a data subject's request); the export is logged."""
    person.require(Role.ADMIN)
    return privacy.export(uow, customer_id, ledger.clock(), person.id)


@router.post("/v1/customers/{customer_id}/erase", responses=ERRORS)
def erase(customer_id: Id, person: PersonDep, ledger: LedgerDep, uow: WriteUow) -> dict[str, Any]:
    """Anonymise the customer; the ledger's amounts and postings stay intact."""
    person.require(Role.ADMIN)
    privacy.erase(uow, customer_id, ledger.clock(), person.id)
    return {"id": customer_id, "status": "erased"}


# --- terminals --------------------------------------------------------------------------------


def _terminal_view(uow: Any, ledger: Any, row: Any) -> dict[str, Any]:
    """The record as the counter shows it: phone masked, and whether to show the birthday
    banner (the customer's birthday falls in their current week)."""
    c = ledger.customers
    view = records.view(uow, row, c.settings, full_phone=False)
    view["birthday_week"] = in_birthday_week(row, ledger.clock())
    return view


@router.post("/v1/terminal/customers/lookup", responses=ERRORS)
def terminal_lookup(
    body: PhoneLookup, signed: SignedDep, ledger: LedgerDep, uow: ReadUow
) -> dict[str, Any]:
    """The counter looks a customer up by the phone number they say (shown masked)."""
    row = records.find_by_phone(uow, body.phone, ledger.customers.settings)
    if row is None:
        raise CustomerNotFound("with this phone number")
    return _terminal_view(uow, ledger, row)


@router.post("/v1/terminal/customers", status_code=201, responses=ERRORS)
def terminal_sign_up(
    body: SignUpRequest, signed: SignedDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    """Sign-up at the counter: phone, name and birthday; the till's store is the home store."""
    form = _form(body)
    if form.home_store is None:
        form = records.SignUp(**{**body.model_dump(), "home_store": signed.actor.store_id})
    row = records.sign_up(uow, form, ledger.customers.settings, ledger.clock(), via="counter",
                          by=signed.actor.terminal_id)  # fmt: skip
    return _terminal_view(uow, ledger, row)
