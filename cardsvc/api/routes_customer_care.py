"""Customer care for people: the daily runs (birthdays, referrals, rewards, the outbox),
follow-up cases of low ratings by store with response times, and segments with their counts
per store, usable to give a voucher campaign's codes to a segment."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cardsvc.api.deps import LedgerDep, PersonDep, ReadUow, WriteUow
from cardsvc.api.views import ERRORS
from cardsvc.customers import (
    birthday,
    feedback,
    loyalty_messages,
    outbox,
    referral,
    rewards,
    segments,
)
from cardsvc.customers.targeting import give_vouchers
from cardsvc.protocol.messages import Id
from cardsvc.services.people import Role

router = APIRouter(tags=["customer care"])
Run = Literal["birthdays", "referrals", "rewards", "loyalty-messages", "outbox"]


@router.post("/v1/customer-runs/{run}", responses=ERRORS)
async def run_now(run: Run, person: PersonDep, ledger: LedgerDep) -> dict[str, Any]:
    """Run one of the daily jobs now (each is idempotent: a second run does nothing more)."""
    person.require(Role.ADMIN)
    c = ledger.customers
    jobs = {"birthdays": lambda: {"rewarded": len(birthday.run(c).rewarded)},
            "referrals": lambda: referral.run(c).__dict__,
            "rewards": lambda: {"settled": rewards.settle_pending(c)},
            "loyalty-messages": lambda: loyalty_messages.run(c).__dict__,
            "outbox": lambda: outbox.run(c).__dict__}  # fmt: skip
    report: dict[str, Any] = await asyncio.to_thread(jobs[run])
    return {"run": run, **report}


class CaseAction(BaseModel):
    status: Literal["open", "contacted", "resolved"]
    note: str = Field("", max_length=1000)


def _case(v: feedback.CaseView) -> dict[str, Any]:
    out: dict[str, Any] = {k: getattr(v.case, k) for k in v.case.__slots__}
    out.update(comment=v.comment, contact_s=v.contact_s, resolve_s=v.resolve_s,
               notes=[{"status": s, "note": n, "by": b, "at": a} for s, n, b, a in v.notes])
    return out


@router.get("/v1/followups", responses=ERRORS)
def followups(
    person: PersonDep, uow: ReadUow,
    store: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[list[Literal["open", "contacted", "resolved"]] | None, Query()] = None,
) -> dict[str, Any]:
    """Follow-up cases of low ratings, by store, with the times to contact and to resolve."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    scope = person.store_id or store
    views = feedback.cases(uow, scope, tuple(status or feedback.STATUSES))
    return {"cases": [_case(v) for v in views], "by_store": feedback.response_times(views)}


@router.post("/v1/followups/{case_id}", responses=ERRORS)
def act_on_case(
    case_id: int, body: CaseAction, person: PersonDep, ledger: LedgerDep, uow: WriteUow
) -> dict[str, Any]:
    """Move a case on (contacted, resolved) or add a note; staff act for their own store."""
    person.require(Role.ADMIN, Role.STAFF)
    row = feedback.act(uow, case_id, body.status, body.note, person.id, ledger.clock(),
                       person.store_id)  # fmt: skip
    return {k: getattr(row, k) for k in row.__slots__}


@router.get("/v1/segments", responses=ERRORS)
def segment_counts(person: PersonDep, ledger: LedgerDep, uow: ReadUow) -> dict[str, Any]:
    """Customers per segment and home store (recency, frequency, spend over a year)."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    counts = segments.counts_by_store(segments.compute(uow, ledger.clock()))
    if person.store_id is not None:
        counts = {s: n for s, n in counts.items() if s == person.store_id}
    return {"segments": list(segments.SEGMENTS), "by_store": counts}


@router.get("/v1/segments/{segment}", responses=ERRORS)
def segment_members(
    segment: Literal["new", "active", "at_risk", "lost", "top_spenders"], person: PersonDep,
    ledger: LedgerDep, uow: ReadUow, store: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    person.require(Role.ADMIN, Role.FINANCE)
    rows = segments.members(segments.compute(uow, ledger.clock()), segment,
                            person.store_id or store)  # fmt: skip
    return {"segment": segment, "count": len(rows),
            "customers": [r.__dict__ for r in rows[:limit]]}  # fmt: skip


class TargetRequest(BaseModel):
    campaign: Id
    store: Id | None = None
    limit: int = Field(1000, ge=1, le=100_000)


@router.post("/v1/segments/{segment}/vouchers", responses=ERRORS)
async def target_segment(
    segment: Literal["new", "active", "at_risk", "lost", "top_spenders"], body: TargetRequest,
    person: PersonDep, ledger: LedgerDep,
) -> dict[str, Any]:
    """Give each customer of a segment one code of a voucher campaign: the vouchers belong to
    them (shown at the counter's look-up). The codes are answered once, to be sent out."""
    person.require(Role.ADMIN)
    v = ledger.require_vouchers()
    given = await asyncio.to_thread(give_vouchers, ledger.customers, v, segment, body.campaign,
                                    body.store, body.limit, person.id)  # fmt: skip
    return {"segment": segment, "campaign": body.campaign, "given": given}
