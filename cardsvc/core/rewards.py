"""Rewards bought with points: one transaction takes the catalog item's price from the member's
spendable lots (soonest-expiring first) and issues a voucher of the item's campaign, or does
neither. Refusals are codes: an unknown item, a tier too low (the item's minimum or its
campaign's: a tier-only voucher), the member's limit, the stock, too few spendable points.

Postings: the points go back to the program's promotion account (points unit); the voucher's
value, if it carries one, comes from its campaign's promotion account (đồng), as a printed
voucher's does. A reward is neither refunded nor voided: the voucher is the customer's.
"""

from __future__ import annotations

from cardsvc.core import accounts, lots
from cardsvc.core.checks import carries_value, usable, valid_spec
from cardsvc.core.codes import ResultCode as R
from cardsvc.core.context import Ctx
from cardsvc.core.loyalty_model import Earning, LoyaltyRules, Reward
from cardsvc.core.loyalty_ops import check_lots, loyalty_subject, member_of
from cardsvc.core.model import Instrument, InstrumentKind, Transaction

_VOUCHER = InstrumentKind.VOUCHER


def _item(tx: Transaction, rules: LoyaltyRules, now: int) -> Reward | R:
    """The catalog item `tx` buys, checked against the voucher terms and price it carries."""
    item = rules.reward(tx.ref) if tx.ref else None
    if item is None:
        return R.REFERENCE_NOT_FOUND
    spec = tx.spec
    if spec is None or not valid_spec(spec) or spec.kind is not _VOUCHER:
        return R.INVALID_SPEC
    if spec.program != item.campaign:
        return R.REFERENCE_MISMATCH
    if spec.valid_until is not None and now >= spec.valid_until:
        return R.EXPIRED  # points are never spent on a voucher no one could use
    if tx.amount != item.points:
        return R.INVALID_AMOUNT  # the price the customer agreed to is no longer the price
    return item


def _allowed(ctx: Ctx, inst: Instrument, rules: LoyaltyRules, item: Reward) -> R | None:
    """Tier, limit, stock and points, judged before anything changes."""
    existing = ctx.state.members.get(inst.id)
    tier = existing.tier if existing is not None else rules.tiers[0].name
    if rules.tier_rank(tier) < rules.reward_rank(item):
        return R.TIER_TOO_LOW
    counts = ctx.state.reward_counts
    if item.per_member and counts.get((item.campaign, item.id, inst.id), 0) >= item.per_member:
        return R.REWARD_LIMIT_REACHED
    if item.stock and counts.get((item.campaign, item.id, ""), 0) >= item.stock:
        return R.OUT_OF_STOCK
    # Not yet a member: a balance from before the rules becomes a lot spendable at once.
    have = lots.spendable(existing, ctx.now) if existing is not None else inst.balance
    return R.INSUFFICIENT_FUNDS if have < item.points else None


def reward(ctx: Ctx, tx: Transaction) -> R:
    found = loyalty_subject(ctx, tx, ctx.now)
    if isinstance(found, R):
        return found
    inst, rules = found
    bad = usable(inst.status, inst.spec, tx, ctx.now)
    if bad:
        return bad
    item = _item(tx, rules, ctx.now)
    if isinstance(item, R):
        return item
    voucher_id = tx.counterparty
    if not voucher_id or voucher_id == inst.id:
        return R.INVALID_OPERATION
    if voucher_id in ctx.instruments:
        return R.INSTRUMENT_EXISTS
    bad = _allowed(ctx, inst, rules, item)
    if bad:
        return bad
    assert tx.spec is not None
    member = member_of(ctx, inst, rules, ctx.now)
    spent = lots.spend(member, ctx.now, item.points)
    ctx.debit(tx.id, inst, accounts.promotion_account(inst.spec.program), item.points)
    spec = tx.spec
    voucher = Instrument(voucher_id, spec, 0, uses_left=spec.uses, issued_at=ctx.now)
    ctx.state.add_instrument(voucher)
    if carries_value(spec):  # a fixed-value voucher holds its face value (its maximum)
        ctx.credit(tx.id, voucher, accounts.promotion_account(spec.program), spec.max_balance)
    ctx.state.count_reward((item.campaign, item.id, inst.id))
    ctx.state.count_reward((item.campaign, item.id, ""))
    check_lots(member, inst)
    ctx.balance_after = inst.balance
    ctx.loyalty = Earning(spent=spent, rules=(item.id,), tier=member.tier,
                          version=rules.version, voucher=voucher_id)  # fmt: skip
    return R.OK
