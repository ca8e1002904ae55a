"""Loyalty as ledger data: the rules a program earns by (versioned, effective from a time), the
state of a member (tier, points lots, qualifying spend per day, debt) and what a purchase earned.

Points live in *lots*: every earning is a lot keyed by (expires_at, available_at). Lots of one
local day share both times, so they merge: a member holds at most one lot per earning day,
which bounds the list. The member instrument's balance is always the sum of its lots.
Times are int epoch seconds; days are local day numbers (calendar.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

LotKey = tuple[int, int]  # (expires_at, available_at)
LOTS_MAX = 2_000  # one lot per earning day over at most 36 months of validity, and spare
DAYS_KEPT = 400  # qualifying spend is kept per local day for a rolling 12 months, and spare
TENDERS = ("cash", "bank_card", "stored_value", "voucher")  # how a purchase was paid
QUALIFY_BY = ("spend", "points")
# A refund clawing back points the member already spent: they become a debt the next earnings
# pay first, or their value at the point rate is deducted from the cash refund.
REFUND_SPENT = ("debt", "deduct_cash")


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
class Reward:
    """A catalog item: a voucher of campaign `campaign` bought with `points`. Only members of
    `min_tier` or above may buy it (""): any tier); `per_member` (0: no limit) caps how many one
    member may buy and `stock` (0: unlimited) how many there are in all."""

    id: str
    name_vi: str
    name_en: str
    points: int
    campaign: str
    min_tier: str = ""
    per_member: int = 0
    stock: int = 0


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
    rewards: tuple[Reward, ...] = ()  # the catalog of vouchers bought with points
    refund_spent: str = "debt"  # one of REFUND_SPENT
    # Derived: each tier's rank, looked up on every purchase.
    ranks: dict[str, int] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.ranks.update({tier.name: i for i, tier in enumerate(self.tiers)})

    def tier_rank(self, name: str) -> int:
        return self.ranks.get(name, -1)

    def tier(self, name: str) -> Tier | None:
        rank = self.tier_rank(name)
        return self.tiers[rank] if rank >= 0 else None

    def reward(self, item: str) -> Reward | None:
        return next((r for r in self.rewards if r.id == item), None)

    def campaign_rank(self, campaign: str) -> int:
        """The lowest tier rank a voucher campaign is for: a campaign a tier lists among its
        vouchers is only for that tier and those above it; any other is for everyone (0)."""
        return next((i for i, t in enumerate(self.tiers) if campaign in t.vouchers), 0)

    def reward_rank(self, reward: Reward) -> int:
        """The lowest tier rank that may buy `reward`: its own minimum or its campaign's."""
        own = self.tier_rank(reward.min_tier) if reward.min_tier else 0
        return max(own, self.campaign_rank(reward.campaign))


TEXT_MAX = 8_192  # characters of lots or days text kept unmerged before they are merged


def _parse(text: str, added: list[tuple[int, int, int]]) -> list[list[int]]:
    rows: list[list[int]] = json.loads(text) if text != "[]" else []
    rows.extend([[a, b, c] for a, b, c in added])
    return rows


def _append(text: str, added: list[tuple[int, int, int]]) -> str:
    if not added:
        return text
    tail = ",".join([f"[{a},{b},{c}]" for a, b, c in added])
    return "[" + tail + "]" if text == "[]" else text[:-1] + "," + tail + "]"


def _encode(rows: list[tuple[int, int, int]]) -> str:
    """`json.dumps(rows, separators=(",", ":"))` for rows of three ints (what lots and days
    hold: decoded from JSON ints, changed by int arithmetic), written by hand: the same text at
    a fraction of the cost (a member that spends points re-encodes its lots)."""
    return "[" + ",".join([f"[{a},{b},{c}]" for a, b, c in rows]) + "]"


class Member:
    """A member instrument's loyalty state (the instrument holds the balance).

    Lots and days are kept as the database stores them (JSON lists of [a, b, n], where one key
    may repeat: its entries add up) and decoded only when a rule needs them whole: spending,
    clawback, expiry, a tier that may change. A plain earning appends its lot and its day, so
    the hot path never decodes nor re-encodes a member's history. `days_spend`/`days_points`
    are the sums over the kept days: an upper bound of the rolling year's, which tells when a
    tier cannot change without decoding anything.
    """

    __slots__ = ("_days", "_lots", "days_added", "days_points", "days_spend", "days_text",
                 "debt", "floor_tier", "instrument", "lots_added", "lots_text", "next_expiry",
                 "program", "review_at", "tier", "tier_since")  # fmt: skip

    def __init__(
        self, instrument: str, program: str, tier: str, floor_tier: str, tier_since: int,
        review_at: int | None, debt: int = 0, lots_text: str = "[]", days_text: str = "[]",
        days_spend: int = 0, days_points: int = 0, next_expiry: int | None = None,
    ) -> None:  # fmt: skip
        self.instrument, self.program = instrument, program
        self.tier, self.floor_tier, self.tier_since = tier, floor_tier, tier_since
        self.review_at = review_at  # when a downgrade may next happen (None: lowest tier)
        self.debt = debt  # points clawed back that had been spent: next earnings pay it first
        self.lots_text, self.days_text = lots_text, days_text
        self.days_spend, self.days_points = days_spend, days_points
        self.next_expiry = next_expiry
        self._lots: dict[LotKey, int] | None = None
        self._days: dict[int, tuple[int, int]] | None = None
        self.lots_added: list[tuple[int, int, int]] = []
        self.days_added: list[tuple[int, int, int]] = []

    def __repr__(self) -> str:
        return (f"Member({self.instrument!r}, tier={self.tier!r}, debt={self.debt},"
                f" lots={self.lots}, days={self.days})")  # fmt: skip

    def copy(self) -> Member:
        other = Member(self.instrument, self.program, self.tier, self.floor_tier,
                       self.tier_since, self.review_at, self.debt, self.lots_text,
                       self.days_text, self.days_spend, self.days_points,
                       self.next_expiry)  # fmt: skip
        other._lots = None if self._lots is None else dict(self._lots)
        other._days = None if self._days is None else dict(self._days)
        other.lots_added, other.days_added = list(self.lots_added), list(self.days_added)
        return other

    # --- lots: (expires_at, available_at) -> points --------------------------------------
    @property
    def lots(self) -> dict[LotKey, int]:
        if self._lots is None:
            merged: dict[LotKey, int] = {}
            get = merged.get
            for e, a, n in _parse(self.lots_text, self.lots_added):
                key = (e, a)
                merged[key] = get(key, 0) + n
            self._lots = {k: n for k, n in merged.items() if n}
            self.lots_added = []
        return self._lots

    @lots.setter
    def lots(self, value: dict[LotKey, int]) -> None:
        self._lots, self.lots_added = value, []

    def add_lot(self, key: LotKey, points: int) -> None:
        assert points > 0
        if self._lots is None and len(self.lots_text) < TEXT_MAX:
            self.lots_added.append((key[0], key[1], points))
            if self.next_expiry is None or key[0] < self.next_expiry:
                self.next_expiry = key[0]
            return
        lots = self.lots
        lots[key] = lots.get(key, 0) + points
        assert len(lots) <= LOTS_MAX, "lots are bounded (one per earning day)"

    @property
    def decoded(self) -> bool:
        """The lots were decoded (so checking them whole costs nothing more)."""
        return self._lots is not None

    def soonest_expiry(self) -> int | None:
        """What the expiry run looks for: the soonest lot expiry."""
        if self._lots is None:
            return self.next_expiry
        return min((k[0] for k in self._lots), default=None)

    def lots_out(self) -> str:
        if self._lots is None:
            return _append(self.lots_text, self.lots_added)
        return _encode([(e, a, n) for (e, a), n in sorted(self._lots.items())])

    # --- days: local day -> (spend, points) -------------------------------------------------
    @property
    def days(self) -> dict[int, tuple[int, int]]:
        if self._days is None:
            merged: dict[int, tuple[int, int]] = {}
            for d, s, p in _parse(self.days_text, self.days_added):
                s0, p0 = merged.get(d, (0, 0))
                merged[d] = (s0 + s, p0 + p)
            self._days = merged
            self.days_added = []
        return self._days

    def add_day(self, day: int, spend: int, points: int) -> bool:
        """Count a day's spend and points by appending; False when the days must be decoded
        (a take-back, or too much appended)."""
        if self._days is not None or spend < 0 or points < 0 or len(self.days_text) >= TEXT_MAX:
            return False
        self.days_added.append((day, spend, points))
        self.days_spend += spend
        self.days_points += points
        return True

    def days_changed(self) -> None:
        days = self.days
        self.days_spend = sum(s for s, _ in days.values())
        self.days_points = sum(p for _, p in days.values())

    def days_out(self) -> str:
        if self._days is None:
            return _append(self.days_text, self.days_added)
        return _encode([(d, s, p) for d, (s, p) in sorted(self._days.items())])


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
    voucher: str = ""  # rewards: the voucher instrument issued for the points
    cash_deducted: int = 0  # refunds (deduct_cash): đồng kept from the cash refund instead


@dataclass(frozen=True, slots=True)
class TierChange:
    instrument: str
    at: int
    from_tier: str
    to_tier: str
    reason: str  # upgrade, review, refund
    tx_id: str
