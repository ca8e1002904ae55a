"""Judging a receipt against a version of the loyalty rules: how many points, by which rules.

Points per amount rounded down per receipt: the earning base (the receipt less the lines that
earn nothing, the value paid by excluded tenders and the value paid with points) in whole
`dong_per_point` units, times every multiplier that applies (the member's tier's, then the
rules' in their order), rounded down once at the end, capped per receipt.
"""

from __future__ import annotations

from cardsvc.core.calendar import local_day, minute_of_day, weekday
from cardsvc.core.loyalty_model import LoyaltyRules, Multiplier

BP = 10_000


def earning_base(rules: LoyaltyRules, total: int, excluded: int,
                 tenders: tuple[tuple[str, int], ...], points: int) -> int:  # fmt: skip
    """The đồng of a receipt that earn points."""
    base = total - excluded - points * rules.point_value
    if rules.excluded_tenders:
        base -= sum(v for k, v in tenders if k in rules.excluded_tenders)
    return max(base, 0)


def applies(m: Multiplier, rules: LoyaltyRules, tier: str, store: str, at: int) -> bool:
    """Every condition the multiplier names holds for this purchase."""
    off = rules.utc_offset_s
    return _applies(m, rules, tier, store, local_day(at, off), minute_of_day(at, off))


def _applies(m: Multiplier, rules: LoyaltyRules, tier: str, store: str, day: int,
             minute: int) -> bool:  # fmt: skip
    if m.tiers and tier not in m.tiers:
        return False
    if m.stores and store not in m.stores:
        return False
    if m.weekdays and weekday(day) not in m.weekdays:
        return False
    if m.days is not None and not m.days[0] <= day <= m.days[1]:
        return False
    if m.holidays and day not in rules.holidays:
        return False
    if m.minutes is not None:
        start, end = m.minutes
        inside = start <= minute < end if start <= end else minute >= start or minute < end
        if not inside:
            return False
    return True


def judge(rules: LoyaltyRules, tier: str, store: str, at: int, base: int
          ) -> tuple[int, tuple[str, ...]]:  # fmt: skip
    """(points, names of the rules that produced them) for an earning base of `base` đồng."""
    if base <= 0 or base < rules.min_spend:
        return 0, ()
    units = base // rules.dong_per_point
    if units == 0:
        return 0, ()
    names = [f"v{rules.version}:base"]
    numerator, denominator = units, 1
    held = rules.tier(tier)
    if held is not None and held.multiplier_bp != BP:
        numerator *= held.multiplier_bp
        denominator *= BP
        names.append(f"tier:{held.name}")
    if rules.multipliers:
        off = rules.utc_offset_s
        day, minute = local_day(at, off), minute_of_day(at, off)
    for m in rules.multipliers:
        if _applies(m, rules, tier, store, day, minute):
            numerator *= m.factor_bp
            denominator *= BP
            names.append(m.name)
    points = numerator // denominator
    if rules.cap_per_receipt and points > rules.cap_per_receipt:
        points = rules.cap_per_receipt
        names.append("cap")
    return points, tuple(names)
