"""Gift card series, voucher campaigns and e-ticket events: creation, bulk codes, reports;
what terminals need for codes and offline validation (code look-up, revocation list, keys)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from cardsvc.api.deps import LedgerDep, PersonDep, ReadUow, SignedDep, VouchersDep, WriteUow
from cardsvc.services.errors import Invalid, NotFound
from cardsvc.services.people import Role
from cardsvc.vouchers import generate as gen
from cardsvc.vouchers import lookup, reports
from cardsvc.vouchers.campaigns import CampaignIn, create_campaign, get_campaign, list_campaigns
from cardsvc.vouchers.codes import display

router = APIRouter(tags=["vouchers"])


class GenerateIn(BaseModel):
    count: int = Field(ge=1, le=100_000)


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=80)


@router.post("/v1/campaigns", status_code=201)
def create(
    body: CampaignIn, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, str]:
    """A gift card series, voucher promotion or e-ticket event, and its ledger program."""
    person.require(Role.ADMIN)
    create_campaign(uow, body, ledger.clock(), person.id)
    return {"id": body.id}


@router.get("/v1/campaigns")
def list_all(person: PersonDep, uow: ReadUow) -> list[dict[str, Any]]:
    person.require(Role.ADMIN, Role.FINANCE)
    return [reports.campaign_summary(uow, c.id) for c in list_campaigns(uow)]


@router.get("/v1/campaigns/{campaign_id}")
def summary(campaign_id: str, person: PersonDep, uow: ReadUow) -> dict[str, Any]:
    """Budget, committed worst case and code batches."""
    person.require(Role.ADMIN, Role.FINANCE)
    get_campaign(uow, campaign_id)
    return reports.campaign_summary(uow, campaign_id)


@router.post("/v1/campaigns/{campaign_id}/codes", status_code=201)
def generate_codes(
    campaign_id: str, body: GenerateIn, person: PersonDep, v: VouchersDep
) -> dict[str, Any]:
    """Generate codes; the answer is the only time the codes are shown (only hashes are kept).
    Larger runs belong to the CLI (`cardsvc vouchers generate`), which writes files."""
    person.require(Role.ADMIN)
    if body.count > v.settings.api_generate_max:
        raise Invalid(f"at most {v.settings.api_generate_max} codes per request; use the CLI")
    batch = gen.generate(v, campaign_id, body.count, person.id)
    return {
        "batch_id": batch.batch_id,
        "campaign": campaign_id,
        "reserved": batch.reserved,
        "codes": [
            {"code": display(c.code), "instrument": c.instrument, "qr": c.payload}
            for c in batch.codes
        ],
        "refused": [{"instrument": i, "code": code} for i, code in batch.refused],
    }


@router.get("/v1/campaigns/{campaign_id}/checkins")
def checkins(
    campaign_id: str,
    person: PersonDep,
    uow: ReadUow,
    gate: str | None = None,
    limit: int = Query(1000, ge=1, le=reports.REPORT_MAX),
) -> dict[str, Any]:
    """An event's check-in list, for one gate or all."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    get_campaign(uow, campaign_id)
    return {
        "campaign": campaign_id,
        "gate": gate,
        "checkins": reports.checkins(uow, campaign_id, gate, limit),
    }


@router.get("/v1/reports/offline-conflicts")
def offline_conflicts(
    person: PersonDep, uow: ReadUow, since: int = Query(0, ge=0)
) -> dict[str, Any]:
    """Offline uses refused at sync (double use across devices), flagged for finance."""
    person.require(Role.ADMIN, Role.FINANCE)
    rows = reports.offline_conflicts(uow, since)
    return {"count": len(rows), "conflicts": rows}


@router.get("/v1/qr/keyset", response_class=PlainTextResponse)
def qr_keyset(v: VouchersDep) -> str:
    """The public QR keys (fingerprinted published key set) for offline validators."""
    return v.keys.published(v.clock())


@router.get("/v1/terminal/qr/offline")
def offline_kit(signed: SignedDep, v: VouchersDep, uow: ReadUow) -> dict[str, Any]:
    """What an offline validator needs, in one answer: the QR key set (signed by the key-set
    key the terminal trusts since its enrolment), the revocation list, and the terminals each
    program's instruments are restricted to (an event's gates)."""
    now = v.clock()
    return {
        "at": now,
        "keyset": v.keys.published(now),
        "revoked": lookup.revocation_list(uow),
        "gates": {p.id: sorted(p.spec.accepted_terminals) for p in uow.programs.list()
                  if p.spec.accepted_terminals},
    }  # fmt: skip


@router.get("/v1/terminal/qr/revocations")
def revocations(signed: SignedDep, ledger: LedgerDep, uow: ReadUow) -> dict[str, Any]:
    """Instruments offline validators must refuse (blocked, expired, used up)."""
    return {"at": ledger.clock(), "revoked": lookup.revocation_list(uow)}


@router.post("/v1/terminal/codes/resolve")
def resolve(body: CodeIn, signed: SignedDep, v: VouchersDep, uow: ReadUow) -> dict[str, Any]:
    """A code typed at a counter -> the instrument to redeem (then a signed batch)."""
    found = lookup.resolve_code(uow, v, body.code)
    if found.instrument is None:
        raise NotFound("no such code" if found.reason == "unknown" else "the code has a typo")
    return {"instrument": found.instrument, "campaign": found.campaign}
