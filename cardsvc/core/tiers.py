"""Tiers: qualification over a rolling 12 months of local days, upgrade at once, downgrade only
at the member's review date, never below the tier held at the last review on a refund.

The rolling window at `at`: the local days after the same date 12 months earlier, up to and
including today. A day's spend counts from local midnight to local midnight (Asia/Ho_Chi_Minh
by default), so a purchase at 23:59 and one at 00:00 fall on different days.
"""

from __future__ import annotations

from cardsvc.core.calendar import add_months, day_start, local_day
from cardsvc.core.loyalty_model import DAYS_KEPT, LoyaltyRules, Member, TierChange


def window_start(today: int) -> int:
    """The first local day of the rolling 12 months ending `today`."""
    return add_months(today, -12) + 1


def qualifying(member: Member, rules: LoyaltyRules, at: int) -> int:
    today = local_day(at, rules.utc_offset_s)
    first = window_start(today)
    index = 0 if rules.qualify_by == "spend" else 1
    return sum(v[index] for d, v in member.days.items() if first <= d <= today)


def qualified_tier(rules: LoyaltyRules, value: int) -> str:
    name = rules.tiers[0].name
    for tier in rules.tiers:
        if value >= tier.threshold:
            name = tier.name
    return name


def count(member: Member, rules: LoyaltyRules, day: int, spend: int, points: int) -> None:
    """Add (or with negatives, take back) a day's qualifying spend and points."""
    if member.add_day(day, spend, points):
        return
    days = member.days
    s, p = days.get(day, (0, 0))
    s, p = max(s + spend, 0), max(p + points, 0)
    if s or p:
        days[day] = (s, p)
    else:
        days.pop(day, None)
    oldest = day - DAYS_KEPT
    for d in [d for d in days if d < oldest]:
        del days[d]
    member.days_changed()


def review_after(rules: LoyaltyRules, at: int) -> int:
    """A review date 12 months after `at`: local midnight starting that day."""
    off = rules.utc_offset_s
    return day_start(add_months(local_day(at, off), 12), off)


def change(member: Member, to: str, at: int, reason: str, tx_id: str,
           rules: LoyaltyRules) -> TierChange:  # fmt: skip
    old = member.tier
    member.tier = to
    member.tier_since = at
    lowest = rules.tiers[0].name
    member.review_at = None if to == lowest else review_after(rules, at)
    return TierChange(member.instrument, at, old, to, reason, tx_id)


def upgrade(member: Member, rules: LoyaltyRules, at: int, tx_id: str) -> TierChange | None:
    """At once, when the member now qualifies for a higher tier than it holds."""
    rank = rules.tier_rank(member.tier)
    if rank + 1 >= len(rules.tiers):
        return None  # at the top
    bound = member.days_spend if rules.qualify_by == "spend" else member.days_points
    if bound < rules.tiers[rank + 1].threshold:
        return None  # even every kept day together does not reach the next tier
    to = qualified_tier(rules, qualifying(member, rules, at))
    if rules.tier_rank(to) > rules.tier_rank(member.tier):
        return change(member, to, at, "upgrade", tx_id, rules)
    return None


def after_refund(member: Member, rules: LoyaltyRules, at: int, tx_id: str) -> TierChange | None:
    """A refund re-evaluates: an upgrade its purchase earned is undone, never below the floor."""
    to = qualified_tier(rules, qualifying(member, rules, at))
    if rules.tier_rank(to) < rules.tier_rank(member.floor_tier):
        to = member.floor_tier
    if rules.tier_rank(to) < rules.tier_rank(member.tier):
        return change(member, to, at, "refund", tx_id, rules)
    return None


def review(member: Member, rules: LoyaltyRules, at: int, tx_id: str) -> TierChange | None:
    """At the review date the member gets the tier it qualifies for, up or down; the next
    review is 12 months on (none at the lowest tier)."""
    to = qualified_tier(rules, qualifying(member, rules, at))
    member.floor_tier = to
    if to != member.tier:
        return change(member, to, at, "review", tx_id, rules)
    member.review_at = None if to == rules.tiers[0].name else review_after(rules, at)
    return None
