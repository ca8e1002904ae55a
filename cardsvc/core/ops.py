"""The operations: one handler per Op, each returning a ResultCode.

Handlers check everything first and change state only once every check has passed, so a
failed transaction leaves nothing behind (chains roll back through LedgerState's undo log).
"""

from __future__ import annotations

from collections.abc import Callable

from cardsvc.core import accounts
from cardsvc.core.amounts import AMOUNT_MAX, Unit
from cardsvc.core.checks import (
    carries_value,
    holdable,
    out_of_range,
    positive_amount,
    reloadable,
    usable,
    valid_spec,
)
from cardsvc.core.codes import ResultCode as R
from cardsvc.core.context import Ctx
from cardsvc.core.loyalty_ops import (
    award,
    deduct,
    expire_points,
    is_loyal,
    purchase,
    tier_review,
)
from cardsvc.core.model import (
    Funding,
    Hold,
    Instrument,
    InstrumentKind,
    Op,
    Status,
    Transaction,
)
from cardsvc.core.reversal import refund, void
from cardsvc.core.rewards import reward
from cardsvc.core.write_off import write_off

Handler = Callable[[Ctx, Transaction], R]

# Top-up and redeem are most of the traffic. On their path, module globals stand in for
# Enum class attributes, which cost several times more to read.
_OK, _NOT_FOUND, _LIMIT_EXCEEDED = R.OK, R.NOT_FOUND, R.LIMIT_EXCEEDED
_INSUFFICIENT_FUNDS, _ALREADY_REDEEMED = R.INSUFFICIENT_FUNDS, R.ALREADY_REDEEMED
_ETICKET, _PROMOTION = InstrumentKind.ETICKET, Funding.PROMOTION
_MEMBER = InstrumentKind.MEMBER
_POINTS, _CASH = Unit.POINTS, Funding.CASH
_SETTLEMENT = accounts.SETTLEMENT  # a store's settlement account, named inline


def _funding_account(tx: Transaction, program: str) -> str:
    if tx.funding is _PROMOTION:
        return accounts.promotion_account(program)
    return accounts.cash_account(tx.store)


def issue(ctx: Ctx, tx: Transaction) -> R:
    spec = tx.spec
    if spec is None or not valid_spec(spec):
        return R.INVALID_SPEC
    if tx.instrument in ctx.state.instruments:
        return R.INSTRUMENT_EXISTS
    if type(tx.amount) is not int or tx.amount < 0:
        return R.INVALID_AMOUNT
    if tx.amount and not carries_value(spec):
        return R.INVALID_AMOUNT
    if tx.amount > spec.max_balance or tx.amount > AMOUNT_MAX:
        return R.LIMIT_EXCEEDED
    if tx.amount and spec.unit is _POINTS and tx.funding is _CASH:
        return R.POINTS_NOT_FOR_SALE
    inst = Instrument(tx.instrument, spec, 0, uses_left=spec.uses, issued_at=ctx.now)
    ctx.state.add_instrument(inst)
    if tx.amount:
        ctx.credit(tx.id, inst, _funding_account(tx, spec.program), tx.amount)
    ctx.balance_after = inst.balance
    return R.OK


def top_up(ctx: Ctx, tx: Transaction) -> R:
    inst = ctx.instruments.get(tx.instrument)
    if inst is None:
        return _NOT_FOUND
    spec, amount = inst.spec, tx.amount
    if not 0 < amount <= AMOUNT_MAX:
        return out_of_range(amount)
    bad = usable(inst.status, spec, tx, ctx.now)
    if bad:
        return bad
    if not reloadable(spec):
        return R.NOT_RELOADABLE
    if spec.unit is _POINTS and tx.funding is _CASH:
        return R.POINTS_NOT_FOR_SALE  # points come from earnings, bonuses and adjustments
    if spec.kind is _MEMBER and is_loyal(ctx, inst):
        return R.INVALID_OPERATION  # points in lots move by award, purchase, deduct only
    if inst.balance + amount > spec.max_balance:
        return _LIMIT_EXCEEDED
    ctx.credit(tx.id, inst, _funding_account(tx, spec.program), amount)
    ctx.balance_after = inst.balance
    return _OK


def redeem(ctx: Ctx, tx: Transaction) -> R:
    inst = ctx.instruments.get(tx.instrument)
    if inst is None:
        return _NOT_FOUND
    spec = inst.spec
    at = ctx.now if tx.occurred_at is None else ctx.tap_time(tx)
    bad = usable(inst.status, spec, tx, at)
    if bad:
        return bad
    if inst.uses_left == 0:
        return _ALREADY_REDEEMED
    if spec.kind is _ETICKET:
        return _enter(ctx, tx, inst, at)
    if spec.kind is _MEMBER and is_loyal(ctx, inst):
        return R.INVALID_OPERATION  # points are spent as a purchase's tender
    purchase = tx.purchase_amount
    if not 0 <= purchase <= AMOUNT_MAX:
        return R.INVALID_AMOUNT
    if purchase < spec.min_spend:
        return R.MIN_SPEND_NOT_MET
    if spec.discount_bp:
        return _redeem_discount(ctx, tx, inst, at)
    return _redeem_value(ctx, tx, inst, at)


def _use(ctx: Ctx, inst: Instrument, at: int) -> None:
    ctx.state.touch_instrument(inst)
    if inst.uses_left is not None:
        inst.uses_left -= 1
    last = inst.last_used_at  # offline taps may sync out of order: keep the latest use
    inst.last_used_at = at if last is None or at > last else last


def _enter(ctx: Ctx, tx: Transaction, inst: Instrument, at: int) -> R:
    """An e-ticket entry: no value moves, an entry is used; anti-passback applies (in either
    direction of time: an offline entry synced late is compared with the latest one)."""
    if tx.amount != 0:
        return R.INVALID_AMOUNT
    last = inst.last_used_at
    if last is not None and abs(at - last) < inst.spec.passback_s:
        return R.PASSBACK
    _use(ctx, inst, at)
    ctx.balance_after = inst.uses_left
    return R.OK


def voucher_discount(purchase_amount: int, discount_bp: int, discount_cap: int) -> int:
    """The most a discount voucher takes off a purchase: `discount_bp` basis points of it,
    rounded down, at most `discount_cap` when there is a cap (0: none). Offline kiosks apply
    the same function, so what they accept is what the ledger accepts."""
    allowed = purchase_amount * discount_bp // 10_000
    return min(allowed, discount_cap) if discount_cap else allowed


def _redeem_discount(ctx: Ctx, tx: Transaction, inst: Instrument, at: int) -> R:
    """A discount voucher: the program pays the store the discount (promotion expense)."""
    bad = positive_amount(tx.amount)
    if bad:
        return bad
    spec = inst.spec
    allowed = voucher_discount(tx.purchase_amount, spec.discount_bp, spec.discount_cap)
    if tx.amount > allowed:
        return R.LIMIT_EXCEEDED
    _use(ctx, inst, at)
    promo, settle = accounts.promotion_account(spec.program), accounts.settlement_account(tx.store)
    ctx.pair(tx.id, inst.unit, settle, promo, tx.amount)
    ctx.balance_after = 0
    return R.OK


def _redeem_value(ctx: Ctx, tx: Transaction, inst: Instrument, at: int) -> R:
    amount = tx.amount
    if not 0 < amount <= AMOUNT_MAX:
        return out_of_range(amount)
    free = inst.available(ctx.now) if inst.holds else inst.balance  # most hold nothing
    if free < amount:
        return _INSUFFICIENT_FUNDS
    ctx.debit(tx.id, inst, _SETTLEMENT + tx.store, amount)
    spec = inst.spec
    if not spec.partial and inst.balance:
        # Single-spend value (e.g. a fixed voucher): what the basket did not use is forfeited.
        ctx.debit(tx.id, inst, accounts.breakage_account(spec.program), inst.balance)
    if inst.uses_left is not None or not spec.partial:
        _use(ctx, inst, at)
    ctx.balance_after = inst.balance
    return _OK


def transfer(ctx: Ctx, tx: Transaction) -> R:
    src, dst = ctx.instrument(tx.instrument), ctx.instrument(tx.counterparty)
    if src is None or dst is None:
        return R.NOT_FOUND
    if src is dst or not carries_value(src.spec) or not carries_value(dst.spec):
        return R.INVALID_OPERATION
    if is_loyal(ctx, src) or is_loyal(ctx, dst):
        return R.INVALID_OPERATION
    if src.unit is not dst.unit:
        return R.UNIT_MISMATCH
    bad = (
        positive_amount(tx.amount)
        or usable(src.status, src.spec, tx, ctx.now)
        or usable(dst.status, dst.spec, tx, ctx.now)
    )
    if bad:
        return bad
    if not reloadable(dst.spec):
        return R.NOT_RELOADABLE
    if src.available(ctx.now) < tx.amount:
        return R.INSUFFICIENT_FUNDS
    if dst.balance + tx.amount > dst.spec.max_balance:
        return R.LIMIT_EXCEEDED
    ctx.debit(tx.id, src, accounts.instrument_account(dst.id), tx.amount)
    ctx.state.touch_instrument(dst)
    dst.balance += tx.amount  # its posting is the other half of the pair just written
    ctx.balance_after = src.balance
    return R.OK


def hold(ctx: Ctx, tx: Transaction) -> R:
    inst = ctx.instrument(tx.instrument)
    if inst is None:
        return R.NOT_FOUND
    if not holdable(inst.spec) or is_loyal(ctx, inst):
        return R.INVALID_OPERATION
    bad = positive_amount(tx.amount) or usable(inst.status, inst.spec, tx, ctx.now)
    if bad:
        return bad
    if tx.expires_at <= ctx.now:
        return R.HOLD_EXPIRED
    live = {k: h for k, h in inst.holds.items() if h.expires_at > ctx.now}
    if len(live) >= ctx.policy.max_holds:
        return R.TOO_MANY_HOLDS
    if inst.balance - sum(h.amount for h in live.values()) < tx.amount:
        return R.INSUFFICIENT_FUNDS
    ctx.state.touch_instrument(inst)
    live[tx.id] = Hold(tx.id, tx.amount, tx.expires_at)
    inst.holds = live  # expired holds are dropped whenever the list is rewritten
    ctx.balance_after = inst.balance
    return R.OK


def _find_hold(ctx: Ctx, tx: Transaction, inst: Instrument) -> Hold | R:
    """The open hold `tx.ref` names on `inst`, or why there is none.

    An expired hold is `hold_expired` whether or not a later hold already dropped it from the
    list; `hold_closed` is only for one captured, released or cleared by expiry of the card.
    """
    rec = ctx.record(tx.ref)
    if rec is None or rec.code is not R.OK:
        return R.REFERENCE_NOT_FOUND
    if rec.tx.op is not Op.HOLD or rec.tx.instrument != inst.id:
        return R.REFERENCE_MISMATCH
    if rec.tx.expires_at <= ctx.now:
        return R.HOLD_EXPIRED
    found = inst.holds.get(rec.tx.id)
    return R.HOLD_CLOSED if found is None else found


def capture(ctx: Ctx, tx: Transaction) -> R:
    inst = ctx.instrument(tx.instrument)
    if inst is None:
        return R.NOT_FOUND
    found = _find_hold(ctx, tx, inst)
    if isinstance(found, R):
        return found
    bad = positive_amount(tx.amount)
    if bad:
        return bad
    if tx.amount > found.amount:
        return R.LIMIT_EXCEEDED
    bad = usable(inst.status, inst.spec, tx, ctx.now)
    if bad:
        return bad
    ctx.state.touch_instrument(inst)
    del inst.holds[found.id]  # a capture closes the hold; what it did not take is released
    ctx.debit(tx.id, inst, accounts.settlement_account(tx.store), tx.amount)
    ctx.balance_after = inst.balance
    return R.OK


def release(ctx: Ctx, tx: Transaction) -> R:
    inst = ctx.instrument(tx.instrument)
    if inst is None:
        return R.NOT_FOUND
    found = _find_hold(ctx, tx, inst)
    if isinstance(found, R):
        return found
    ctx.state.touch_instrument(inst)
    del inst.holds[found.id]
    ctx.balance_after = inst.balance
    return R.OK


def _set_status(ctx: Ctx, tx: Transaction, status: Status) -> R:
    inst = ctx.instrument(tx.instrument)
    if inst is None:
        return R.NOT_FOUND
    if inst.status is Status.EXPIRED:
        return R.EXPIRED
    ctx.state.touch_instrument(inst)
    inst.status = status
    ctx.balance_after = inst.balance
    return R.OK


def block(ctx: Ctx, tx: Transaction) -> R:
    return _set_status(ctx, tx, Status.BLOCKED)


def unblock(ctx: Ctx, tx: Transaction) -> R:
    return _set_status(ctx, tx, Status.ACTIVE)


def expire(ctx: Ctx, tx: Transaction) -> R:
    """At the end of validity the remaining value becomes the program's breakage income."""
    inst = ctx.instrument(tx.instrument)
    if inst is None:
        return R.NOT_FOUND
    if inst.status is Status.EXPIRED:
        return R.EXPIRED
    until = inst.spec.valid_until
    if until is None or ctx.now < until:
        return R.NOT_YET_EXPIRED
    ctx.state.touch_instrument(inst)
    inst.holds = {}
    member = ctx.state.members.get(inst.id)
    if member is not None:  # its lots go with the balance
        ctx.state.touch_member(member)
        member.lots = {}
    if inst.balance:
        ctx.debit(tx.id, inst, accounts.breakage_account(inst.spec.program), inst.balance)
    inst.status = Status.EXPIRED
    ctx.balance_after = 0
    return R.OK


def card_update(ctx: Ctx, tx: Transaction) -> R:
    """The card now carries a change the ledger made earlier: nothing moves, the journal keeps
    the write (its card evidence goes to the mirror). The service checks it against the
    queued update; a blocked or expired instrument's card is still brought in line."""
    inst = ctx.instrument(tx.instrument)
    if inst is None:
        return R.NOT_FOUND
    if not carries_value(inst.spec):
        return R.INVALID_OPERATION
    bad = positive_amount(tx.amount)
    if bad:
        return bad
    ctx.balance_after = inst.balance
    return R.OK


HANDLERS: dict[Op, Handler] = {
    Op.ISSUE: issue,
    Op.TOP_UP: top_up,
    Op.REDEEM: redeem,
    Op.REFUND: refund,
    Op.VOID: void,
    Op.TRANSFER: transfer,
    Op.HOLD: hold,
    Op.CAPTURE: capture,
    Op.RELEASE: release,
    Op.BLOCK: block,
    Op.UNBLOCK: unblock,
    Op.EXPIRE: expire,
    Op.CARD_UPDATE: card_update,
    Op.WRITE_OFF: write_off,
    Op.PURCHASE: purchase,
    Op.AWARD: award,
    Op.DEDUCT: deduct,
    Op.EXPIRE_POINTS: expire_points,
    Op.TIER_REVIEW: tier_review,
    Op.REWARD: reward,
}
assert set(HANDLERS) == set(Op)
