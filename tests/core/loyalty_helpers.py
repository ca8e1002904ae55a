"""A loyalty program for the core tests: rules, tiers, and a harness that checks the loyalty
invariants (lots sum to the balance, never negative) after every batch."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cardsvc.core import InstrumentKind, LoyaltyRules, Member, Op, Result, Tier, Transaction
from cardsvc.core.calendar import day_start, days_from_civil
from tests.core.helpers import PROGRAM, Harness

OFFSET = 7 * 3600
TIERS = (
    Tier("member", 0),
    Tier("silver", 5_000_000, 12_500),
    Tier("gold", 20_000_000, 15_000, birthday_bonus=500, vouchers=("GOLD-V",)),
    Tier("vip", 50_000_000, 20_000, birthday_bonus=2_000),
)
RULES = LoyaltyRules(PROGRAM, 1, 0, tiers=TIERS)


def local(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> int:
    """Epoch seconds of a local (UTC+7) wall-clock time."""
    return day_start(days_from_civil(y, m, d), OFFSET) + hh * 3600 + mm * 60


def check_loyalty(h: Harness) -> None:
    for kept in h.state.members.values():
        member = kept.copy()  # decoding a copy leaves the member on its append-only path
        inst = h.state.instruments[member.instrument]
        assert all(v > 0 for v in member.lots.values()), member
        assert sum(member.lots.values()) == inst.balance, member
        assert member.debt >= 0
        assert member.soonest_expiry() == kept.soonest_expiry()
        days = member.days
        assert (kept.days_spend, kept.days_points) >= (0, 0)
        assert kept.days_spend == sum(s for s, _ in days.values())


class LoyaltyHarness(Harness):
    def __init__(self, rules: LoyaltyRules = RULES, *more: LoyaltyRules, **kw: Any) -> None:
        super().__init__(**kw)
        self.state.loyalty[PROGRAM] = (rules, *more)

    def run(self, *batch: Transaction) -> list[Result]:
        results = super().run(*batch)
        check_loyalty(self)
        return results

    def member_card(self, instrument: str = "m", **spec: Any) -> None:
        spec.setdefault("max_balance", 10**9)
        self.issue(instrument, InstrumentKind.MEMBER, **spec)

    def buy(self, total: int, instrument: str = "m", points: int = 0, **fields: Any) -> Result:
        return self.do(Op.PURCHASE, instrument, points, purchase_amount=total, **fields)

    def member(self, instrument: str = "m") -> Member:
        """The member, decoded (its lots and days whole)."""
        return self.state.members[instrument]

    def earned(self, tx_id: str) -> int:
        done = self.state.records[tx_id].loyalty
        assert done is not None
        return done.earned


def rules(**fields: Any) -> LoyaltyRules:
    return replace(RULES, **fields)
