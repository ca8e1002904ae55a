"""Administration: stores, terminals, keys, programs and people (admin role)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cardsvc.api.deps import LedgerDep, PersonDep, ReadUow, WriteUow
from cardsvc.core import AMOUNT_MAX, BALANCE_MAX, InstrumentKind, InstrumentSpec, Unit
from cardsvc.services import audit, programs, terminals
from cardsvc.services.people import Role, create_person

router = APIRouter(tags=["administration"])
API = "api"  # the audit log's "client" of changes made through the API

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
    max_balance: int = Field(10_000_000, gt=0, le=BALANCE_MAX, strict=True)
    reloadable: bool = False
    partial: bool = True
    uses: int | None = Field(None, ge=1)
    discount_bp: int = Field(0, ge=0, le=10_000)
    discount_cap: int = Field(0, ge=0, le=AMOUNT_MAX)
    min_spend: int = Field(0, ge=0, le=AMOUNT_MAX)
    passback_s: int = Field(0, ge=0)
    valid_from: int | None = Field(None, ge=0)
    valid_until: int | None = Field(None, ge=0)
    validity_s: int | None = Field(
        None, gt=0, description="instruments expire this long after issue"
    )
    accepted_stores: list[str] = []

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
def create_store(
    body: StoreIn, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, str]:
    person.require(Role.ADMIN)
    terminals.create_store(uow, body.id, body.name, ledger.clock())
    audit.record(uow, ledger.clock(), person.id, "store.create", body.id, None,
                 {"name": body.name}, API)  # fmt: skip
    return {"id": body.id}


@router.post("/v1/terminals", status_code=201)
def create_terminal(
    body: TerminalIn, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    """Create a terminal; the answer holds its one-time enrollment code (shown once)."""
    person.require(Role.ADMIN)
    ttl = ledger.settings.enrollment_code_ttl_s
    code = terminals.create_terminal(uow, body.id, body.store_id, body.name, ledger.clock(), ttl)
    audit.record(uow, ledger.clock(), person.id, "terminal.create", body.id, None,
                 {"store_id": body.store_id, "name": body.name}, API)  # fmt: skip
    return {"id": body.id, "enrollment_code": code, "expires_at": ledger.clock() + ttl}


@router.post("/v1/terminals/{terminal_id}/{action}")
def terminal_status(
    terminal_id: str,
    action: Literal["disable", "enable"],
    person: PersonDep,
    ledger: LedgerDep,
    uow: WriteUow,
) -> dict[str, str]:
    """Disable a lost or retired terminal (its keys stop verifying at once), or re-enable it."""
    person.require(Role.ADMIN)
    status = "disabled" if action == "disable" else "active"
    before = terminals.get_terminal(uow, terminal_id).status
    terminals.set_terminal_status(uow, terminal_id, status)
    audit.record(uow, ledger.clock(), person.id, f"terminal.{action}", terminal_id,
                 {"status": before}, {"status": status}, API)  # fmt: skip
    ledger.keys.forget()
    return {"id": terminal_id, "status": status}


@router.post("/v1/keys/{key_id}/revoke")
def revoke_key(
    key_id: str, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, str]:
    person.require(Role.ADMIN)
    terminals.revoke_key(uow, key_id, ledger.clock())
    audit.record(uow, ledger.clock(), person.id, "key.revoke", key_id, None, {"revoked": True},
                 API)  # fmt: skip
    ledger.keys.forget(key_id)
    return {"key_id": key_id, "status": "revoked"}


@router.post("/v1/programs", status_code=201)
def create_program(
    body: ProgramIn, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    person.require(Role.ADMIN)
    programs.create_program(uow, body.id, body.name, body.spec(), body.validity_s, ledger.clock())
    audit.record(uow, ledger.clock(), person.id, "program.create", body.id, None,
                 body.model_dump(), API)  # fmt: skip
    return {"id": body.id}


@router.get("/v1/programs")
def list_programs(person: PersonDep, uow: ReadUow) -> list[dict[str, Any]]:
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
    body: PersonIn, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, str]:
    """Create a person; the answer holds their API token (shown once)."""
    person.require(Role.ADMIN)
    token = create_person(uow, body.id, body.name, body.role, body.store_id, ledger.clock())
    after = {"name": body.name, "role": str(body.role), "store_id": body.store_id}
    audit.record(uow, ledger.clock(), person.id, "person.create", body.id, None, after, API)
    return {"id": body.id, "token": token}
