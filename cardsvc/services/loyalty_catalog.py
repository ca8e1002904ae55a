"""The rewards catalog as a member sees it at the counter: every item of the rules in force,
whether the member's tier opens it (and which tier does), whether the points are there, and
what the member's limit and the stock leave. The ledger judges the purchase itself."""

from __future__ import annotations

from dataclasses import dataclass

from cardsvc.core.loyalty_model import LoyaltyRules, Reward
from cardsvc.core.loyalty_ops import rules_at
from cardsvc.services.errors import NotFound
from cardsvc.services.loyalty import member_view
from cardsvc.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RewardOffer:
    id: str
    name_vi: str
    name_en: str
    points: int
    campaign: str
    tier_needed: str  # the lowest tier that may buy it
    locked: bool  # the member's tier is below it
    affordable: bool  # enough spendable points
    left: int | None  # the member's remaining limit (None: no limit)
    stock_left: int | None  # None: unlimited


def _offer(uow: UnitOfWork, rules: LoyaltyRules, item: Reward, member: str, tier: str,
           available: int) -> RewardOffer:  # fmt: skip
    needed = rules.reward_rank(item)
    bought = uow.loyalty.rewards_bought(item.campaign, item.id) if (
        item.per_member or item.stock) else {}  # fmt: skip
    left = max(item.per_member - bought.get(member, 0), 0) if item.per_member else None
    stock = max(item.stock - sum(bought.values()), 0) if item.stock else None
    return RewardOffer(item.id, item.name_vi, item.name_en, item.points, item.campaign,
                       rules.tiers[needed].name, rules.tier_rank(tier) < needed,
                       available >= item.points, left, stock)  # fmt: skip


def tier_only(uow: UnitOfWork, campaign: str, now: int) -> str | None:
    """The tier a voucher campaign is kept for by a program's rules in force (None: anyone's).
    Such vouchers reach members only through rewards, where the ledger checks the tier."""
    for program in uow.loyalty.all_programs():
        rules = rules_at(uow.loyalty.versions(program), now)
        if rules is not None and (rank := rules.campaign_rank(campaign)) > 0:
            return rules.tiers[rank].name
    return None


def offers(uow: UnitOfWork, instrument_id: str, now: int) -> list[RewardOffer]:
    """The catalog for one member card (NotFound: no such card or no rules in force)."""
    seen = member_view(uow, instrument_id, now)
    rules = rules_at(uow.loyalty.versions(seen.tier.program), now)
    if rules is None:
        raise NotFound(f"program {seen.tier.program} has no loyalty rules in force")
    return [_offer(uow, rules, item, instrument_id, seen.tier.tier, seen.available)
            for item in rules.rewards]  # fmt: skip
