"""Administration: stores, terminals, keys, programs and people (admin role)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cardsvc.api.deps import LedgerDep, ReadUow, WriteUow, allow
from cardsvc.core import InstrumentKind, InstrumentSpec, Unit
from cardsvc.core.bounds import (
    AMOUNT,
    BASIS_POINTS,
    DURATION,
    EPOCH,
    MAX_BALANCE,
    POSITIVE_DURATION,
    USES,
)
from cardsvc.protocol.bounds import within
from cardsvc.protocol.messages import Id as WireId
from cardsvc.services import audit, programs, terminals
from cardsvc.services.people import Person, Role, create_person

router = APIRouter(tags=["administration"])
API = "api"  # the audit log's "client" of changes made through the API

Admin = Annotated[Person, allow(Role.ADMIN)]

Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")


class StoreIn(BaseModel):
    id: str = Id
    name: str = Field(min_length=1, max_length=200)


class TerminalIn(BaseModel):
    id: str = Id
    store_id: str = Id
    name: str = Field(min_length=1, max_length=200)


class PersonIn(BaseModel):
    id: str = Id
    name: str = Field(min_length=1, max_length=200)
    role: Role
    store_id: str | None = None


class ProgramIn(BaseModel):
    """A program: the terms instruments are issued under. Immutable once created."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "GIFT-TET",
                    "name": "Thẻ quà Tết 2027",
                    "kind": "gift",
                    "unit": "VND",
                    "max_balance": 5_000_000,
                    "reloadable": False,
                    "partial": True,
                    "validity_s": 31_536_000,
                }
            ]
        }
    }

    id: str = Id
    name: str = Field(min_length=1, max_length=200)
    kind: InstrumentKind
    unit: Unit
    max_balance: Annotated[int, within(MAX_BALANCE)] = 10_000_000
    reloadable: bool = False
    partial: bool = True
    uses: Annotated[int, within(USES)] | None = None
    discount_bp: Annotated[int, within(BASIS_POINTS)] = 0
    discount_cap: Annotated[int, within(AMOUNT)] = 0
    min_spend: Annotated[int, within(AMOUNT)] = 0
    passback_s: Annotated[int, within(DURATION)] = 0
    valid_from: Annotated[int, within(EPOCH)] | None = None
    valid_until: Annotated[int, within(EPOCH)] | None = None
    validity_s: Annotated[int, within(POSITIVE_DURATION)] | None = Field(
        None, description="instruments expire this long after issue"
    )
    accepted_stores: list[WireId] = Field([], max_length=1000)

    def spec(self) -> InstrumentSpec:
        return InstrumentSpec(
            kind=self.kind,
            unit=self.unit,
            program=self.id,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            reloadable=self.reloadable,
            partial=self.partial,
            max_balance=self.max_balance,
            uses=self.uses,
            discount_bp=self.discount_bp,
            discount_cap=self.discount_cap,
            min_spend=self.min_spend,
            passback_s=self.passback_s,
            accepted_stores=frozenset(self.accepted_stores),
        )


@router.post("/v1/stores", status_code=201)
def create_store(body: StoreIn, person: Admin, ledger: LedgerDep, uow: WriteUow) -> dict[str, str]:
    terminals.create_store(uow, body.id, body.name, ledger.clock())
    audit.record(uow, ledger.clock(), person.id, "store.create", body.id, None,
                 {"name": body.name}, API)  # fmt: skip
    return {"id": body.id}


@router.post("/v1/terminals", status_code=201)
def create_terminal(
    body: TerminalIn, person: Admin, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    """Create a terminal; the answer holds its one-time enrollment code (shown once)."""
    ttl = ledger.settings.enrollment_code_ttl_s
    code = terminals.create_terminal(uow, body.id, body.store_id, body.name, ledger.clock(), ttl)
    audit.record(uow, ledger.clock(), person.id, "terminal.create", body.id, None,
                 {"store_id": body.store_id, "name": body.name}, API)  # fmt: skip
    return {"id": body.id, "enrollment_code": code, "expires_at": ledger.clock() + ttl}


@router.post("/v1/terminals/{terminal_id}/{action}")
def terminal_status(
    terminal_id: str,
    action: Literal["disable", "enable"],
    person: Admin,
    ledger: LedgerDep,
    uow: WriteUow,
) -> dict[str, str]:
    """Disable a lost or retired terminal (its keys stop verifying at once), or re-enable it."""
    status = "disabled" if action == "disable" else "active"
    before = terminals.get_terminal(uow, terminal_id).status
    terminals.set_terminal_status(uow, terminal_id, status)
    audit.record(uow, ledger.clock(), person.id, f"terminal.{action}", terminal_id,
                 {"status": before}, {"status": status}, API)  # fmt: skip
    ledger.keys.forget()
    return {"id": terminal_id, "status": status}


@router.post("/v1/keys/{key_id}/revoke")
def revoke_key(key_id: str, person: Admin, ledger: LedgerDep, uow: WriteUow) -> dict[str, str]:
    terminals.revoke_key(uow, key_id, ledger.clock())
    audit.record(uow, ledger.clock(), person.id, "key.revoke", key_id, None, {"revoked": True},
                 API)  # fmt: skip
    ledger.keys.forget(key_id)
    return {"key_id": key_id, "status": "revoked"}


@router.post("/v1/programs", status_code=201)
def create_program(
    body: ProgramIn, person: Admin, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    programs.create_program(uow, body.id, body.name, body.spec(), body.validity_s, ledger.clock())
    audit.record(uow, ledger.clock(), person.id, "program.create", body.id, None,
                 body.model_dump(), API)  # fmt: skip
    return {"id": body.id}


@router.get("/v1/programs")
def list_programs(
    person: Annotated[Person, allow(Role.ADMIN, Role.FINANCE, Role.STAFF)], uow: ReadUow
) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "kind": str(p.spec.kind),
            "unit": str(p.spec.unit),
            "validity_s": p.validity_s,
            "terms": _terms_view(p.spec),
        }
        for p in uow.programs.list()
    ]


def _terms_view(spec: InstrumentSpec) -> dict[str, Any]:
    return {
        "max_balance": spec.max_balance,
        "reloadable": spec.reloadable,
        "partial": spec.partial,
        "uses": spec.uses,
        "discount_bp": spec.discount_bp,
        "discount_cap": spec.discount_cap,
        "min_spend": spec.min_spend,
        "valid_from": spec.valid_from,
        "valid_until": spec.valid_until,
    }


@router.post("/v1/people", status_code=201)
def create_people(
    body: PersonIn, person: Admin, ledger: LedgerDep, uow: WriteUow
) -> dict[str, str]:
    """Create a person; the answer holds their API token (shown once)."""
    token = create_person(uow, body.id, body.name, body.role, body.store_id, ledger.clock())
    after = {"name": body.name, "role": str(body.role), "store_id": body.store_id}
    audit.record(uow, ledger.clock(), person.id, "person.create", body.id, None, after, API)
    return {"id": body.id, "token": token}
