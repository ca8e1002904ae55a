"""Loyalty rules as an administrator writes them (API body, CLI file) and their compiled form
for the core: dates become local day numbers, and the Vietnamese public holidays (Tết included)
of the years around the version are looked up once, with the `holidays` package, and kept in
the version itself, so the data says which days were holidays when a sale was judged."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Annotated, Literal

import holidays
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cardsvc.core import AMOUNT_MAX, LoyaltyRules, Multiplier, Tier
from cardsvc.core.bounds import EPOCH
from cardsvc.core.calendar import days_from_civil
from cardsvc.core.loyalty_model import TENDERS, Reward
from cardsvc.protocol.bounds import within

HOLIDAY_COUNTRY = "VN"
HOLIDAY_YEARS_BEFORE, HOLIDAY_YEARS_AFTER = 1, 10  # around the version's first year
Name = Annotated[str, StringConstraints(min_length=1, max_length=32,
                                        pattern=r"^[\w .:+\-]+$")]  # fmt: skip
Points = Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)]
Dong = Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)]
Factor = Annotated[int, Field(ge=1, le=100_000, strict=True, description="10000 = x1")]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierIn(_In):
    name: Name
    threshold: Dong = Field(description="rolling 12-month spend (đồng) or points to qualify")
    multiplier_bp: Factor = 10_000
    birthday_bonus: Points = 0
    vouchers: list[Name] = Field(default_factory=list, max_length=20)


class MultiplierIn(_In):
    name: Name = Field(description="shown on the receipt")
    factor_bp: Factor = Field(description="20000: double points")
    tiers: list[Name] = Field(default_factory=list, max_length=20)
    stores: list[Name] = Field(default_factory=list, max_length=1000)
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=list, max_length=7, description="0 Monday .. 6 Sunday"
    )
    start: str | None = Field(None, description="local time window start, HH:MM")
    end: str | None = Field(None, description="local time window end (excluded), HH:MM")
    date_from: dt.date | None = None
    date_until: dt.date | None = Field(None, description="included")
    holidays: bool = Field(False, description="only on Vietnamese public holidays and Tết")

    @model_validator(mode="after")
    def _consistent(self) -> MultiplierIn:
        if (self.start is None) != (self.end is None):
            raise ValueError("a time window needs both start and end")
        for value in (self.start, self.end):
            if value is not None and not _HHMM.match(value):
                raise ValueError(f"{value!r} is not a time HH:MM")
        if (self.date_from is None) != (self.date_until is None):
            raise ValueError("a date range needs both date_from and date_until")
        if self.date_from and self.date_until and self.date_from > self.date_until:
            raise ValueError("date_from is after date_until")
        return self


class RewardIn(_In):
    """A catalog item: a voucher of a campaign, bought with points."""

    id: Name
    name_vi: str = Field(min_length=1, max_length=80, description="as the counter shows it")
    name_en: str = Field(min_length=1, max_length=80)
    points: Annotated[int, Field(ge=1, le=AMOUNT_MAX, strict=True)]
    campaign: Name = Field(description="the voucher campaign whose voucher it issues")
    min_tier: Name | None = Field(None, description="only this tier and those above it")
    per_member: Annotated[int, Field(ge=0, le=1_000_000)] = Field(0, description="0: no limit")
    stock: Annotated[int, Field(ge=0, le=100_000_000)] = Field(0, description="0: unlimited")


class RulesIn(_In):
    """One version of a program's loyalty rules."""

    effective_from: Annotated[int, within(EPOCH)] = Field(
        description="epoch seconds; not in the past"
    )
    dong_per_point: Annotated[int, Field(ge=1, le=AMOUNT_MAX)] = 10_000
    min_spend: Dong = 0
    cap_per_receipt: Points = 0
    excluded_tenders: list[Literal["cash", "bank_card", "stored_value", "voucher"]] = Field(
        default_factory=list, max_length=len(TENDERS)
    )
    multipliers: list[MultiplierIn] = Field(default_factory=list, max_length=50)
    expiry_months: Annotated[int, Field(ge=1, le=36)] = 12
    expiry_quarters: Annotated[int, Field(ge=0, le=12)] = 0
    pending_days: Annotated[int, Field(ge=0, le=90)] = 0
    point_value: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    spend_min_points: Points = 0
    spend_max_share_bp: Annotated[int, Field(ge=0, le=10_000)] = 10_000
    tiers: list[TierIn] = Field(default_factory=lambda: [TierIn(name="member", threshold=0)],
                                min_length=1, max_length=10)  # fmt: skip
    qualify_by: Literal["spend", "points"] = "spend"
    rewards: list[RewardIn] = Field(default_factory=list, max_length=100)
    refund_spent: Literal["debt", "deduct_cash"] = Field(
        "debt", description="a refund clawing back spent points: a debt the next earnings pay"
        " first, or their value at point_value deducted from the cash refund",
    )

    @model_validator(mode="after")
    def _rewards_known(self) -> RulesIn:
        if len({r.id for r in self.rewards}) != len(self.rewards):
            raise ValueError("reward ids must differ")
        names = {t.name for t in self.tiers}
        unknown = sorted({r.min_tier for r in self.rewards if r.min_tier} - names)
        if unknown:
            raise ValueError(f"rewards name tiers the rules do not have: {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _tiers_ascend(self) -> RulesIn:
        if self.tiers[0].threshold != 0:
            raise ValueError("the first tier is the one every member starts in: threshold 0")
        thresholds = [t.threshold for t in self.tiers]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("tier thresholds must strictly increase")
        if len({t.name for t in self.tiers}) != len(self.tiers):
            raise ValueError("tier names must differ")
        return self


@lru_cache(maxsize=64)
def holiday_days(first_year: int, last_year: int) -> frozenset[int]:
    """Local day numbers of the Vietnamese public holidays (Tết included) in those years."""
    found = holidays.country_holidays(HOLIDAY_COUNTRY, years=range(first_year, last_year + 1))
    return frozenset(days_from_civil(d.year, d.month, d.day) for d in found)


def _day(value: dt.date) -> int:
    return days_from_civil(value.year, value.month, value.day)


def _minutes(value: str) -> int:
    hh, mm = value.split(":")
    return int(hh) * 60 + int(mm)


def _multiplier(m: MultiplierIn) -> Multiplier:
    minutes = (_minutes(m.start), _minutes(m.end)) if m.start and m.end else None
    days = (_day(m.date_from), _day(m.date_until)) if m.date_from and m.date_until else None
    return Multiplier(m.name, m.factor_bp, frozenset(m.tiers), frozenset(m.stores),
                      frozenset(m.weekdays), minutes, days, m.holidays)  # fmt: skip


def compile_rules(program: str, version: int, rules: RulesIn) -> LoyaltyRules:
    year = dt.datetime.fromtimestamp(rules.effective_from, dt.UTC).year
    return LoyaltyRules(
        program, version, rules.effective_from,
        dong_per_point=rules.dong_per_point, min_spend=rules.min_spend,
        cap_per_receipt=rules.cap_per_receipt,
        excluded_tenders=frozenset(rules.excluded_tenders),
        multipliers=tuple(_multiplier(m) for m in rules.multipliers),
        expiry_months=rules.expiry_months, expiry_quarters=rules.expiry_quarters,
        pending_days=rules.pending_days, point_value=rules.point_value,
        spend_min_points=rules.spend_min_points, spend_max_share_bp=rules.spend_max_share_bp,
        tiers=tuple(Tier(t.name, t.threshold, t.multiplier_bp, t.birthday_bonus,
                         tuple(t.vouchers)) for t in rules.tiers),
        qualify_by=rules.qualify_by, refund_spent=rules.refund_spent,
        rewards=tuple(Reward(r.id, r.name_vi, r.name_en, r.points, r.campaign, r.min_tier or "",
                             r.per_member, r.stock) for r in rules.rewards),
        holidays=holiday_days(year - HOLIDAY_YEARS_BEFORE, year + HOLIDAY_YEARS_AFTER),
    )  # fmt: skip
