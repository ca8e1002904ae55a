"""Loyalty as ledger data: the rules a program earns by (versioned, effective from a time), the
state of a member (tier, points lots, qualifying spend per day, debt) and what a purchase earned.

Points live in *lots*: every earning is a lot keyed by (expires_at, available_at). Lots of one
local day share both times, so they merge: a member holds at most one lot per earning day,
which bounds the list. The member instrument's balance is always the sum of its lots.
Times are int epoch seconds; days are local day numbers (calendar.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LotKey = tuple[int, int]  # (expires_at, available_at)
LOTS_MAX = 2_000  # one lot per earning day over at most 36 months of validity, and spare
DAYS_KEPT = 400  # qualifying spend is kept per local day for a rolling 12 months, and spare
TENDERS = ("cash", "bank_card", "stored_value", "voucher")  # how a purchase was paid
QUALIFY_BY = ("spend", "points")


@dataclass(frozen=True, slots=True)
class Multiplier:
    """Earn `factor_bp`/10000 times the points when every condition given holds (an empty
    condition always holds). Named on the receipt by `name`."""

    name: str
    factor_bp: int  # 20_000: double points
    tiers: frozenset[str] = frozenset()
    stores: frozenset[str] = frozenset()
    weekdays: frozenset[int] = frozenset()  # 0 Monday .. 6 Sunday, local
    minutes: tuple[int, int] | None = None  # local time of day [start, end) in minutes
    days: tuple[int, int] | None = None  # local date range, day numbers, both included
    holidays: bool = False  # only on the rules' public holidays (Tết included)


@dataclass(frozen=True, slots=True)
class Tier:
    """A tier and its benefits. `threshold`: rolling 12-month spend (đồng) or points."""

    name: str
    threshold: int
    multiplier_bp: int = 10_000
    birthday_bonus: int = 0  # points
    vouchers: tuple[str, ...] = ()  # voucher programs only this tier may get


@dataclass(frozen=True, slots=True)
class LoyaltyRules:
    """One version of a program's loyalty rules, in force from `effective_from` until the next
    version's. Immutable: a change of rules is a new version."""

    program: str
    version: int
    effective_from: int
    dong_per_point: int = 10_000  # 1 point per 10.000 ₫, rounded down per receipt
    min_spend: int = 0  # a receipt earning less than this (đồng, after exclusions) earns 0
    cap_per_receipt: int = 0  # 0: no cap
    excluded_tenders: frozenset[str] = frozenset()  # value paid this way earns nothing
    multipliers: tuple[Multiplier, ...] = ()
    expiry_months: int = 12  # a lot expires this many months after its earning day ...
    expiry_quarters: int = 0  # ... or, when > 0, at the end of the Nth following quarter
    pending_days: int = 0  # a lot can be spent only after this many days (the return window)
    point_value: int = 100  # đồng a point is worth as a tender
    spend_min_points: int = 0  # the fewest points one purchase may spend
    spend_max_share_bp: int = 10_000  # the most of a bill points may pay
    tiers: tuple[Tier, ...] = (Tier("member", 0),)  # ascending thresholds, the first at 0
    qualify_by: str = "spend"  # "spend" (đồng) or "points" (earned) over a rolling 12 months
    utc_offset_s: int = 7 * 3600  # Asia/Ho_Chi_Minh: UTC+7, no daylight saving
    holidays: frozenset[int] = frozenset()  # local day numbers of public holidays

    def tier_rank(self, name: str) -> int:
        for i, tier in enumerate(self.tiers):
            if tier.name == name:
                return i
        return -1

    def tier(self, name: str) -> Tier | None:
        rank = self.tier_rank(name)
        return self.tiers[rank] if rank >= 0 else None


@dataclass(slots=True)
class Member:
    """A member instrument's loyalty state (the instrument holds the balance)."""

    instrument: str
    program: str
    tier: str
    floor_tier: str  # the tier held at the last review: a refund never drops below it
    tier_since: int
    review_at: int | None  # when a downgrade may next happen (None: lowest tier, nothing)
    debt: int = 0  # points clawed back that had been spent: the next earnings pay it first
    lots: dict[LotKey, int] = field(default_factory=dict)
    days: dict[int, tuple[int, int]] = field(default_factory=dict)  # day -> (spend, points)

    def next_expiry(self) -> int | None:
        return min((k[0] for k in self.lots), default=None)


@dataclass(frozen=True, slots=True)
class Earning:
    """What a loyalty transaction did to the member: kept with its record, so a refund or void
    reverses exactly that, and answered to the terminal (the receipt shows it)."""

    earned: int = 0  # points the purchase earned (before paying debt)
    lot: LotKey | None = None  # the lot they went into
    debt_paid: int = 0
    rules: tuple[str, ...] = ()  # the rules that produced the earning, for the receipt
    spend: int = 0  # qualifying spend counted for tiers (đồng)
    day: int = 0  # the local day it counted on
    spent: tuple[tuple[int, int, int], ...] = ()  # points tender: (expires, available, n)
    tier: str = ""  # the member's tier after
    version: int = 0  # the rules version that judged it
    clawed: int = 0  # refunds and voids: points taken back from lots
    returned: int = 0  # refunds and voids: spent points given back
    debt_added: int = 0  # refunds and voids: points owed because they were spent


@dataclass(frozen=True, slots=True)
class TierChange:
    instrument: str
    at: int
    from_tier: str
    to_tier: str
    reason: str  # upgrade, review, refund
    tx_id: str
