"""Gift card series, voucher campaigns and e-ticket events: creation, bulk codes, reports;
what terminals need for codes and offline validation (code look-up, revocation list, keys)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from cardsvc.api.deps import (
    LedgerDep,
    ReadUow,
    Scope,
    SignedDep,
    VouchersDep,
    WriteUow,
    allow,
    public,
)
from cardsvc.api.params import query_int
from cardsvc.core.bounds import CODE_COUNT, EPOCH, PAGE
from cardsvc.protocol.bounds import within
from cardsvc.services.errors import Invalid, NotFound
from cardsvc.services.people import Person, Role
from cardsvc.vouchers import generate as gen
from cardsvc.vouchers import lookup, reports
from cardsvc.vouchers.campaigns import CampaignIn, create_campaign, get_campaign, list_campaigns
from cardsvc.vouchers.codes import display

router = APIRouter(tags=["vouchers"])

Admin = Annotated[Person, allow(Role.ADMIN)]
Finance = Annotated[Person, allow(Role.ADMIN, Role.FINANCE)]  # campaigns are chain-wide


class GenerateIn(BaseModel):
    count: Annotated[int, within(CODE_COUNT, lo=1, hi=100_000)]


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=80)


@router.post("/v1/campaigns", status_code=201)
def create(body: CampaignIn, person: Admin, ledger: LedgerDep, uow: WriteUow) -> dict[str, str]:
    """A gift card series, voucher promotion or e-ticket event, and its ledger program."""
    create_campaign(uow, body, ledger.clock(), person.id)
    return {"id": body.id}


@router.get("/v1/campaigns")
def list_all(person: Finance, uow: ReadUow) -> list[dict[str, Any]]:
    return [reports.campaign_summary(uow, c.id) for c in list_campaigns(uow)]


@router.get("/v1/campaigns/{campaign_id}")
def summary(campaign_id: str, person: Finance, uow: ReadUow) -> dict[str, Any]:
    """Budget, committed worst case and code batches (campaigns are chain-wide)."""
    get_campaign(uow, campaign_id)
    return reports.campaign_summary(uow, campaign_id)


@router.post("/v1/campaigns/{campaign_id}/codes", status_code=201)
def generate_codes(
    campaign_id: str, body: GenerateIn, person: Admin, v: VouchersDep
) -> dict[str, Any]:
    """Generate codes; the answer is the only time the codes are shown (only hashes are kept).
    Larger runs belong to the CLI (`cardsvc vouchers generate`), which writes files."""
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
    person: Annotated[Person, allow(Role.ADMIN, Role.FINANCE, Role.STAFF)],
    uow: ReadUow,
    gate: str | None = None,
    limit: int = query_int(PAGE, 1000, hi=reports.REPORT_MAX),
) -> dict[str, Any]:
    """An event's check-in list, for one gate or all."""
    get_campaign(uow, campaign_id)
    return {
        "campaign": campaign_id,
        "gate": gate,
        "checkins": reports.checkins(uow, campaign_id, gate, limit),
    }


@router.get("/v1/reports/offline-conflicts")
def offline_conflicts(
    person: Annotated[Person, allow(Role.ADMIN, Role.FINANCE, scope=Scope.OWN_ROWS)],
    uow: ReadUow,
    since: int = query_int(EPOCH, 0),
) -> dict[str, Any]:
    """Offline uses refused at sync (double use across devices), flagged for finance.
    Store-scoped finance sees those at its terminals or on instruments its store issued."""
    rows = reports.offline_conflicts(uow, since, store=person.store_id)
    return {"count": len(rows), "conflicts": rows}


@router.get(
    "/v1/qr/keyset",
    response_class=PlainTextResponse,
    dependencies=[public("offline validators fetch the public QR keys; they are public keys")],
)
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
