"""Loyalty for people: rules (admin), a member's tier and points (staff and up), adjustments
(staff up to a limit, admin beyond it; every one names who made it), the daily runs."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cardsvc.api.deps import LedgerDep, PersonDep, ReadUow, WriteUow
from cardsvc.api.loyalty_views import (
    MemberLoyalty,
    PointsReport,
    RulesVersion,
    RulesVersions,
    RunOut,
    member_loyalty,
    points_line,
    run_out,
)
from cardsvc.api.views import ERRORS
from cardsvc.protocol.messages import ResultMsg
from cardsvc.services import loyalty
from cardsvc.services.errors import Forbidden
from cardsvc.services.ingest import Actor
from cardsvc.services.loyalty_rules import RulesIn
from cardsvc.services.people import Role
from cardsvc.storage.loyalty_codec import rules_to_json

router = APIRouter(tags=["loyalty"])
HQ_STORE = "hq"
Key = Field(min_length=1, max_length=loyalty.KEY_MAX, pattern=r"^[A-Za-z0-9_.:\-]+$")


class AdjustIn(BaseModel):
    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [
        {"op": "award", "points": 200, "reason": "goodwill", "key": "complaint-2026-118"}]}}

    op: Literal["award", "deduct"]
    points: int = Field(gt=0, le=10**9, strict=True)
    reason: str = Key
    key: str = Key


@router.post("/v1/loyalty/programs/{program_id}/rules", response_model=RulesVersion,
             status_code=201, responses=ERRORS)  # fmt: skip
def add_rules(program_id: str, body: RulesIn, person: PersonDep, ledger: LedgerDep,
              uow: WriteUow) -> dict[str, Any]:  # fmt: skip
    """A new version of a member program's rules, in force from `effective_from`."""
    person.require(Role.ADMIN)
    rules = loyalty.define_rules(uow, program_id, body, ledger.clock(), person.id)
    return {"program": program_id, "version": rules.version,
            "effective_from": rules.effective_from}  # fmt: skip


@router.get("/v1/loyalty/programs/{program_id}/rules", response_model=RulesVersions,
            responses=ERRORS)  # fmt: skip
def list_rules(program_id: str, person: PersonDep, uow: ReadUow) -> dict[str, Any]:
    person.require(Role.ADMIN, Role.FINANCE)
    versions = [{"version": r.version, "effective_from": r.effective_from,
                 "rules": json.loads(rules_to_json(r))}
                for r in loyalty.rule_versions(uow, program_id)]  # fmt: skip
    return {"program": program_id, "versions": versions}


@router.get("/v1/loyalty/members/{instrument_id}", response_model=MemberLoyalty,
            responses=ERRORS)  # fmt: skip
def member(instrument_id: str, person: PersonDep, ledger: LedgerDep, uow: ReadUow
           ) -> dict[str, Any]:  # fmt: skip
    """Tier, benefits, what is missing for the next tier, points spendable, pending, expiring."""
    person.require(Role.ADMIN, Role.FINANCE, Role.STAFF)
    return member_loyalty(loyalty.member_view(uow, instrument_id, ledger.clock()))


@router.post("/v1/loyalty/members/{instrument_id}/adjust", response_model=ResultMsg,
             responses=ERRORS)  # fmt: skip
async def adjust(instrument_id: str, body: AdjustIn, person: PersonDep, ledger: LedgerDep
                 ) -> ResultMsg:  # fmt: skip
    """Points up (a new lot) or down (soonest-expiring first), with a reason. Staff may move at
    most the till limit at once; more needs an administrator. Exactly once per `key`."""
    person.require(Role.ADMIN, Role.STAFF)
    most = ledger.committer.policy.terminal_adjust_max
    if person.role is Role.STAFF and body.points > most:
        raise Forbidden(f"staff may adjust at most {most} points at once; ask an administrator")
    msg = loyalty.adjustment(body.op, instrument_id, body.points, body.reason, body.key)
    actor = Actor("api", person.store_id or HQ_STORE, by_user=person.id)
    return await loyalty.submit_adjustment(ledger.committer, msg, actor)


@router.post("/v1/loyalty/runs/{kind}", response_model=RunOut, responses=ERRORS)
def run(kind: Literal["expiry", "review"], person: PersonDep, ledger: LedgerDep
        ) -> dict[str, Any]:  # fmt: skip
    """Expire lots past their date to breakage, or review tiers due; a second run the same
    local day does nothing."""
    person.require(Role.ADMIN, Role.FINANCE)
    return run_out(loyalty.run_daily(ledger.db, ledger.committer, kind, ledger.clock()))


@router.get("/v1/reports/points", response_model=PointsReport, responses=ERRORS)
def points_report(person: PersonDep, ledger: LedgerDep, uow: ReadUow) -> dict[str, Any]:
    """Points as a liability, per loyalty program: outstanding points valued at the spending
    rate, expected breakage, points expiring within 30, 90 and 365 days, per issuing store.
    Chain-wide figures: administrators and head-office finance."""
    person.require(Role.ADMIN, Role.FINANCE)
    if person.store_id is not None and person.role is not Role.ADMIN:
        person.require(Role.ADMIN)
    lines = loyalty.points_liability(uow, ledger.clock())
    return {"programs": [points_line(line) for line in lines]}
