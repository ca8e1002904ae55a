"""Response models of the loyalty endpoints."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, Field

from cardsvc.services.loyalty import MemberView, PointsLiability, RunReport, loyalty_of
from cardsvc.services.loyalty_catalog import offers
from cardsvc.storage.unit_of_work import UnitOfWork


class TierBenefits(BaseModel):
    name: str
    threshold: int = Field(description="rolling 12-month spend (đồng) or points to qualify")
    multiplier_bp: int = Field(description="earning multiplier, 10000 = x1")
    birthday_bonus: int = Field(description="points")
    vouchers: list[str] = Field(description="voucher programs only this tier may get")


class TierChangeOut(BaseModel):
    at: int
    from_tier: str
    to_tier: str
    reason: str = Field(description="upgrade, review or refund")
    tx_id: str


class MemberLoyalty(BaseModel):
    """A member's tier and points, as the counter shows them on a tap."""

    model_config = {"json_schema_extra": {"examples": [{
        "instrument": "card-04A1B2C3", "program": "LOYAL", "tier": "silver",
        "tier_since": 1795508844, "review_at": 1827044844,
        "benefits": {"name": "silver", "threshold": 5000000, "multiplier_bp": 12500,
                     "birthday_bonus": 0, "vouchers": []},
        "qualify_by": "spend", "qualifying": 6250000, "next_tier": "gold", "missing": 13750000,
        "balance": 1200, "available": 900, "pending": 300, "expiring_soon": 150,
        "expiring_before": 1798100844, "debt": 0, "point_value": 100, "history": [],
    }]}}  # fmt: skip

    instrument: str
    program: str
    tier: str
    tier_since: int | None
    review_at: int | None = Field(description="a lower tier can only come at this date")
    benefits: TierBenefits
    qualify_by: str = Field(description="spend (đồng) or points")
    qualifying: int = Field(description="spend or points over the rolling 12 months")
    next_tier: str | None
    missing: int = Field(description="spend or points still needed for the next tier")
    balance: int = Field(description="points held (spendable, pending and not yet expired)")
    available: int = Field(description="points spendable now")
    pending: int = Field(description="points in their return window, not yet spendable")
    expiring_soon: int
    expiring_before: int
    debt: int = Field(description="points owed after refunds; the next earnings pay them")
    point_value: int = Field(description="đồng a point is worth as a tender")
    history: list[TierChangeOut]
    rewards: list[dict[str, Any]] = Field(
        default_factory=list, description="the rewards catalog as this member sees it"
    )


def member_loyalty(view: MemberView) -> dict[str, Any]:
    t = view.tier
    b = t.benefits
    return {
        "instrument": t.instrument, "program": t.program, "tier": t.tier,
        "tier_since": t.since, "review_at": t.review_at,
        "benefits": {"name": b.name, "threshold": b.threshold, "multiplier_bp": b.multiplier_bp,
                     "birthday_bonus": b.birthday_bonus, "vouchers": list(b.vouchers)},
        "qualify_by": t.qualify_by, "qualifying": t.qualifying, "next_tier": t.next_tier,
        "missing": t.missing, "balance": view.balance, "available": view.available,
        "pending": view.pending, "expiring_soon": view.expiring_soon,
        "expiring_before": view.expiring_before, "debt": view.debt,
        "point_value": view.point_value,
        "history": [h.__dict__ for h in view.history],
    }  # fmt: skip


class RulesVersion(BaseModel):
    program: str
    version: int
    effective_from: int


class RulesVersions(BaseModel):
    program: str
    versions: list[dict[str, Any]] = Field(description="every version, oldest first")


class RunOut(BaseModel):
    kind: str = Field(description="expiry or review")
    day: int = Field(description="the local day (yyyymmdd) the run counts for")
    members: int = Field(description="members due and visited")
    done: int = Field(description="applied by this run")
    before: int = Field(description="already done by an earlier run the same day")
    other: dict[str, int] = Field(description="other outcomes by result code")


def run_out(report: RunReport) -> dict[str, Any]:
    return dict(report.__dict__)


def with_loyalty(uow: UnitOfWork, view: dict[str, Any], now: int) -> dict[str, Any]:
    """An instrument view with its member's loyalty, when it has one."""
    found = loyalty_of(uow, view, now)
    if found is not None:
        view["loyalty"] = member_loyalty(found)
        view["loyalty"]["rewards"] = [asdict(o) for o in offers(uow, str(view["id"]), now)]
    return view


class StorePoints(BaseModel):
    store: str | None = Field(description="the store that issued the member cards")
    members: int
    points: int


class PointsLine(BaseModel):
    program: str
    point_value: int = Field(description="đồng per point, the spending rate in force")
    outstanding: int = Field(description="points held by members (a liability)")
    value: int = Field(description="outstanding points at the spending rate, đồng")
    issued: int = Field(description="points earned and awarded less clawbacks, to date")
    broken: int = Field(description="points expired to breakage, to date")
    expected_breakage: int = Field(description="of the outstanding, at the breakage rate so far")
    expiring: dict[str, int] = Field(description="days ahead -> points expiring within them")
    debt: int = Field(description="points members owe after refunds")
    by_store: list[StorePoints]


class PointsReport(BaseModel):
    programs: list[PointsLine]


def points_line(line: PointsLiability) -> dict[str, Any]:
    data = dict(line.__dict__)
    data["expiring"] = {str(k): v for k, v in line.expiring.items()}
    data["by_store"] = [{"store": s, "members": n, "points": p} for s, n, p in line.by_store]
    return data
