"""The loyalty operations: purchase (earn, and spend points as a tender), award and deduct
(bonuses and staff adjustments), expire_points and tier_review (the daily runs), and the
reversal of a purchase by refund or void (clawback from the same lots; what was spent already
becomes a debt the next earnings pay first).

Postings, all in points: earning credits the member from the program's promotion account;
spending debits it to the store's settlement account; expiry debits it to breakage; clawback
returns earned points to promotion. No point exists without one of these postings.
"""

from __future__ import annotations

from collections.abc import Callable

from cardsvc.core import accounts, lots, tiers
from cardsvc.core.amounts import AMOUNT_MAX
from cardsvc.core.calendar import local_day
from cardsvc.core.checks import usable
from cardsvc.core.codes import ResultCode as R
from cardsvc.core.context import Ctx
from cardsvc.core.earning import earning_base, judge
from cardsvc.core.loyalty_model import TENDERS, Earning, LoyaltyRules, Member
from cardsvc.core.model import Instrument, InstrumentKind, Op, Transaction, TxRecord

_MEMBER = InstrumentKind.MEMBER
LOYALTY_OPS = frozenset(
    {Op.PURCHASE, Op.AWARD, Op.DEDUCT, Op.EXPIRE_POINTS, Op.TIER_REVIEW, Op.REWARD}
)


def rules_at(versions: tuple[LoyaltyRules, ...], at: int) -> LoyaltyRules | None:
    """The version in force at `at` (versions are sorted by effective_from)."""
    found = None
    for rules in versions:
        if rules.effective_from > at:
            break
        found = rules
    return found


def is_loyal(ctx: Ctx, inst: Instrument) -> bool:
    """A member instrument of a program with loyalty rules: its points live in lots, so only
    the loyalty operations may move them."""
    return inst.spec.kind is _MEMBER and inst.spec.program in ctx.state.loyalty


def loyalty_subject(ctx: Ctx, tx: Transaction, at: int) -> tuple[Instrument, LoyaltyRules] | R:
    inst = ctx.instruments.get(tx.instrument)
    if inst is None:
        return R.NOT_FOUND
    if inst.spec.kind is not _MEMBER:
        return R.INVALID_OPERATION
    rules = rules_at(ctx.state.loyalty.get(inst.spec.program, ()), at)
    if rules is None:
        return R.NO_LOYALTY_RULES
    return inst, rules


def member_of(ctx: Ctx, inst: Instrument, rules: LoyaltyRules, at: int) -> Member:
    """The instrument's member state, made on first use: the lowest tier, and any balance the
    card held before the program had rules as one lot from now."""
    found = ctx.state.members.get(inst.id)
    if found is not None:
        ctx.state.touch_member(found)
        return found
    lowest = rules.tiers[0].name
    member = Member(inst.id, inst.spec.program, lowest, lowest, at, None)
    if inst.balance:
        member.lots[lots.lot_for(rules, at, pending=False)] = inst.balance
    ctx.state.add_member(member)
    return member


def check_lots(member: Member, inst: Instrument) -> None:
    if not member.decoded:
        return  # appended to only: checked whenever they are decoded
    lots = member.lots
    assert min(lots.values(), default=1) > 0, "lots are never negative or empty"
    assert sum(lots.values()) == inst.balance, "the balance is the sum of the lots"
    assert member.debt >= 0


_TENDERS = frozenset(TENDERS)


def _valid_tenders(tenders: tuple[tuple[str, int], ...]) -> bool:
    """Known tenders, each once, with amounts in range (the core never trusts its callers)."""
    if not tenders:
        return True
    seen: set[str] = set()
    try:  # one pass: this runs on every sale
        for kind, value in tenders:
            if kind in seen or kind not in _TENDERS:
                return False
            if type(value) is not int or not 0 <= value <= AMOUNT_MAX:
                return False
            seen.add(kind)
    except (TypeError, ValueError):
        return False
    return True


def _purchase_amounts(tx: Transaction, rules: LoyaltyRules) -> R | None:
    total, points, excluded = tx.purchase_amount, tx.amount, tx.excluded
    if type(excluded) is not int or not _valid_tenders(tx.tenders):
        return R.INVALID_AMOUNT
    if not 0 < total <= AMOUNT_MAX or not 0 <= points <= AMOUNT_MAX:
        return R.INVALID_AMOUNT
    if not 0 <= excluded <= total or sum(v for _, v in tx.tenders) > total:
        return R.INVALID_AMOUNT
    if points:
        if points < rules.spend_min_points:
            return R.MIN_SPEND_NOT_MET
        if points * rules.point_value * 10_000 > total * rules.spend_max_share_bp:
            return R.LIMIT_EXCEEDED
    return None


def _earn(ctx: Ctx, tx: Transaction, inst: Instrument, member: Member, rules: LoyaltyRules,
          earned: int, at: int, pending: bool) -> tuple[tuple[int, int], int]:  # fmt: skip
    """Credit `earned` points: debt first, the rest into its lot. (lot, debt paid)."""
    key = lots.lot_for(rules, at, pending)
    paid = min(member.debt, earned)
    member.debt -= paid
    if earned - paid:
        lots.add(member, key, earned - paid)
        ctx.credit(tx.id, inst, accounts.promotion_account(inst.spec.program), earned - paid)
    return key, paid


def purchase(ctx: Ctx, tx: Transaction) -> R:
    at = ctx.tap_time(tx)
    found = loyalty_subject(ctx, tx, at)
    if isinstance(found, R):
        return found
    inst, rules = found
    bad = usable(inst.status, inst.spec, tx, at) or _purchase_amounts(tx, rules)
    if bad:
        return bad
    existing = ctx.state.members.get(inst.id)
    tier = existing.tier if existing is not None else rules.tiers[0].name
    base = earning_base(rules, tx.purchase_amount, tx.excluded, tx.tenders, tx.amount)
    earned, names = judge(rules, tier, tx.store, at, base)
    if tx.amount:
        # Not yet a member: a balance from before the rules is one lot spendable at once
        # (member_of makes it so), as the counter's view and rewards count it.
        have = lots.spendable(existing, ctx.now) if existing is not None else inst.balance
        if have < tx.amount:
            return R.INSUFFICIENT_FUNDS
    if inst.balance - tx.amount + earned > inst.spec.max_balance:
        return R.LIMIT_EXCEEDED
    member = member_of(ctx, inst, rules, at)
    spent: tuple[tuple[int, int, int], ...] = ()
    if tx.amount:
        spent = lots.spend(member, ctx.now, tx.amount)
        ctx.debit(tx.id, inst, accounts.settlement_account(tx.store), tx.amount)
    key, paid = _earn(ctx, tx, inst, member, rules, earned, at, True) if earned else (None, 0)
    day = local_day(at, rules.utc_offset_s)
    spend = tx.purchase_amount - tx.excluded
    tiers.count(member, rules, day, spend, earned)
    changed = tiers.upgrade(member, rules, at, tx.id)
    if changed is not None:
        ctx.state.tier_changes.append(changed)
    check_lots(member, inst)
    ctx.balance_after = inst.balance
    ctx.loyalty = Earning(earned, key, paid, names, spend, day, spent, member.tier, rules.version)
    return R.OK


def award(ctx: Ctx, tx: Transaction) -> R:
    """Bonus points or a staff adjustment up: a lot spendable at once, debt paid first."""
    found = loyalty_subject(ctx, tx, ctx.now)
    if isinstance(found, R):
        return found
    inst, rules = found
    bad = _adjustment(ctx, tx, inst)
    if bad:
        return bad
    if inst.balance + tx.amount > inst.spec.max_balance:
        return R.LIMIT_EXCEEDED
    member = member_of(ctx, inst, rules, ctx.now)
    key, paid = _earn(ctx, tx, inst, member, rules, tx.amount, ctx.now, False)
    check_lots(member, inst)
    ctx.balance_after = inst.balance
    ctx.loyalty = Earning(tx.amount, key, paid, (tx.reason or "",), tier=member.tier,
                          version=rules.version)  # fmt: skip
    return R.OK


def _adjustment(ctx: Ctx, tx: Transaction, inst: Instrument) -> R | None:
    if type(tx.reason) is not str or not tx.reason:
        return R.INVALID_OPERATION  # an adjustment always says why
    if not 0 < tx.amount <= AMOUNT_MAX:
        return R.INVALID_AMOUNT
    return usable(inst.status, inst.spec, tx, ctx.now)


def deduct(ctx: Ctx, tx: Transaction) -> R:
    """A staff adjustment down: unexpired lots, soonest-expiring first."""
    found = loyalty_subject(ctx, tx, ctx.now)
    if isinstance(found, R):
        return found
    inst, rules = found
    bad = _adjustment(ctx, tx, inst)
    if bad:
        return bad
    existing = ctx.state.members.get(inst.id)
    have = inst.balance - lots.expired(existing, ctx.now) if existing else inst.balance
    if have < tx.amount:
        return R.INSUFFICIENT_FUNDS
    member = member_of(ctx, inst, rules, ctx.now)
    took = lots.take_any(member, ctx.now, tx.amount)
    assert took == tx.amount
    ctx.debit(tx.id, inst, accounts.promotion_account(inst.spec.program), took)
    check_lots(member, inst)
    ctx.balance_after = inst.balance
    ctx.loyalty = Earning(rules=(tx.reason or "",), tier=member.tier, version=rules.version,
                          clawed=took)  # fmt: skip
    return R.OK


def _due(ctx: Ctx, tx: Transaction, is_due: Callable[[Member], bool]
         ) -> tuple[Instrument, LoyaltyRules, Member] | R:  # fmt: skip
    """The daily runs' shared start: the member, when `is_due` says the run has work for it
    (a card that never became a member has nothing due)."""
    found = loyalty_subject(ctx, tx, ctx.now)
    if isinstance(found, R):
        return found
    inst, rules = found
    existing = ctx.state.members.get(inst.id)
    if existing is None or not is_due(existing):
        return R.NOT_DUE
    return inst, rules, member_of(ctx, inst, rules, ctx.now)


def expire_points(ctx: Ctx, tx: Transaction) -> R:
    """Lots past their expiry: the remainder becomes the program's breakage income."""
    found = _due(ctx, tx, lambda m: lots.expired(m, ctx.now) > 0)
    if isinstance(found, R):
        return found
    inst, rules, member = found
    gone = lots.drop_expired(member, ctx.now)
    ctx.debit(tx.id, inst, accounts.breakage_account(inst.spec.program), gone)
    check_lots(member, inst)
    ctx.balance_after = inst.balance
    ctx.loyalty = Earning(tier=member.tier, version=rules.version, clawed=gone)
    return R.OK


def tier_review(ctx: Ctx, tx: Transaction) -> R:
    found = _due(ctx, tx, lambda m: m.review_at is not None and ctx.now >= m.review_at)
    if isinstance(found, R):
        return found
    inst, rules, member = found
    changed = tiers.review(member, rules, ctx.now, tx.id)
    if changed is not None:
        ctx.state.tier_changes.append(changed)
    ctx.balance_after = inst.balance
    ctx.loyalty = Earning(tier=member.tier, version=rules.version)
    return R.OK


# --- reversing a purchase ---------------------------------------------------------------------
def reverse_purchase(ctx: Ctx, tx: Transaction, ref: TxRecord, amount: int) -> R:
    """Refund `amount` đồng of purchase `ref` (a void: all of what is left). Earned points are
    clawed back in proportion, from the purchase's own lot; what is no longer there becomes
    debt, or under the rules' `deduct_cash` is paid from the cash refund. Points spent as a
    tender come back in proportion, to the lots they came from."""
    inst = ctx.instrument(tx.instrument)
    done = ref.loyalty
    assert inst is not None and done is not None, "the service loads a purchase's member"
    if ref.tx.instrument != inst.id:
        return R.REFERENCE_MISMATCH
    total = ref.tx.purchase_amount
    if ref.refunded + amount > total:
        return R.REFUND_EXCEEDS_REDEMPTION
    before, after = ref.refunded, ref.refunded + amount
    claw = done.earned * after // total - done.earned * before // total
    back = [n - m for n, m in zip(lots.allocate(done.spent, ref.tx.amount * after // total),
                                  lots.allocate(done.spent, ref.tx.amount * before // total),
                                  strict=True)]  # fmt: skip
    versions = ctx.state.loyalty.get(inst.spec.program, ())
    rules = rules_at(versions, ctx.now) or rules_at(versions, ref.at)
    if rules is None:
        return R.NO_LOYALTY_RULES
    if inst.balance + sum(back) > inst.spec.max_balance:
        return R.LIMIT_EXCEEDED
    member = member_of(ctx, inst, rules, ctx.now)
    clawed = lots.take(member, done.lot, claw) if done.lot is not None and claw else 0
    covered, cash = _spent_points_cover(rules, claw - clawed, amount)
    member.debt += claw - clawed - covered
    if clawed:
        ctx.debit(tx.id, inst, accounts.promotion_account(inst.spec.program), clawed)
    for (expires, available, _), n in zip(done.spent, back, strict=True):
        if n:
            lots.add(member, (expires, available), n)
            ctx.credit(tx.id, inst, accounts.settlement_account(ref.tx.store), n)
    spend = done.spend * after // total - done.spend * before // total
    earned_points = claw
    tiers.count(member, rules, done.day, -spend, -earned_points)
    changed = tiers.after_refund(member, rules, ctx.now, tx.id)
    if changed is not None:
        ctx.state.tier_changes.append(changed)
    ctx.state.touch_record(ref)
    ref.refunded = after
    check_lots(member, inst)
    ctx.balance_after = inst.balance
    ctx.loyalty = Earning(tier=member.tier, version=rules.version, clawed=clawed,
                          returned=sum(back), debt_added=claw - clawed - covered,
                          cash_deducted=cash)  # fmt: skip
    return R.OK


def _spent_points_cover(rules: LoyaltyRules, missing: int, refund: int) -> tuple[int, int]:
    """Points clawed back that the member already spent, and a refund of `refund` đồng: how
    many of them its cash pays for instead of a debt, and that value in đồng. Only under
    `deduct_cash`, whole points at the point rate, never more than the refund itself; what
    the refund cannot cover stays a debt."""
    if rules.refund_spent != "deduct_cash" or missing <= 0:
        return 0, 0
    covered = min(missing, refund // rules.point_value)
    assert 0 <= covered <= missing
    return covered, covered * rules.point_value
