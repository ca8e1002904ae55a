"""Operations that act on an earlier transaction: refund (against a redemption) and void."""

from __future__ import annotations

from cardsvc.core import accounts
from cardsvc.core.checks import positive_amount, usable
from cardsvc.core.codes import ResultCode as R
from cardsvc.core.context import Ctx
from cardsvc.core.loyalty_ops import is_loyal, reverse_purchase
from cardsvc.core.model import Instrument, Op, Posting, Status, Transaction, TxRecord

_REFUNDABLE = frozenset({Op.REDEEM, Op.CAPTURE, Op.PURCHASE})
_VOIDABLE = frozenset({Op.TOP_UP, Op.REDEEM, Op.TRANSFER, Op.CAPTURE, Op.REFUND, Op.PURCHASE})
_INSTRUMENT_PREFIX = len(accounts.instrument_account(""))


def _reference(ctx: Ctx, tx: Transaction, ops: frozenset[Op]) -> TxRecord | R:
    ref = ctx.record(tx.ref)
    if ref is None or ref.code is not R.OK:
        return R.REFERENCE_NOT_FOUND
    if ref.tx.op not in ops or ref.tx.instrument != tx.instrument:
        return R.REFERENCE_MISMATCH
    if ref.voided:
        return R.ALREADY_VOIDED
    return ref


def refund(ctx: Ctx, tx: Transaction) -> R:
    """Give value back against an earlier redemption, never more than it paid the store.

    A single-spend redemption also forfeited the unused rest to breakage; that part was never
    the store's to give back, so only the redeemed amount itself counts.
    """
    ref = _reference(ctx, tx, _REFUNDABLE)
    if isinstance(ref, R):
        return ref
    inst = ctx.instrument(tx.instrument)
    assert inst is not None, "the service loads a reference's instrument"
    if ref.tx.op is Op.PURCHASE:
        bad = positive_amount(tx.amount) or usable(inst.status, inst.spec, tx, ctx.now)
        return bad or reverse_purchase(ctx, tx, ref, tx.amount)
    if is_loyal(ctx, inst):
        return R.INVALID_OPERATION  # its points live in lots: only a purchase is refunded
    if not _net(ref.postings, inst.id):
        return R.REFERENCE_MISMATCH  # an e-ticket entry or a discount: no value to give back
    bad = positive_amount(tx.amount) or usable(inst.status, inst.spec, tx, ctx.now)
    if bad:
        return bad
    if ref.refunded + tx.amount > ref.tx.amount:
        return R.REFUND_EXCEEDS_REDEMPTION
    if inst.balance + tx.amount > inst.spec.max_balance:
        return R.LIMIT_EXCEEDED
    ctx.state.touch_record(ref)
    ref.refunded += tx.amount
    ctx.credit(tx.id, inst, accounts.settlement_account(tx.store), tx.amount)
    ctx.balance_after = inst.balance
    return R.OK


def void(ctx: Ctx, tx: Transaction) -> R:
    """Reverse an earlier transaction exactly: same store, inside the void window."""
    ref = _reference(ctx, tx, _VOIDABLE)
    if isinstance(ref, R):
        return ref
    if ref.refunded:
        return R.ALREADY_REFUNDED
    if ref.tx.store != tx.store or ctx.now - ref.at > ctx.policy.void_window_s:
        return R.VOID_NOT_ALLOWED
    if ref.tx.op is Op.PURCHASE:
        main = ctx.instrument(tx.instrument)
        assert main is not None
        bad = _status_bar(ctx, tx, {})
        code = bad or reverse_purchase(ctx, tx, ref, ref.tx.purchase_amount)
        if code is R.OK:
            ref.voided = True
        return code
    if _touches_loyalty(ctx, tx, ref):
        return R.VOID_NOT_ALLOWED  # lots cannot be rebuilt from postings: refund instead
    touched = _instruments_of(ctx, ref.postings)
    bad = _status_bar(ctx, tx, touched) or _reversal_bar(ctx, ref.postings, touched)
    if bad:
        return bad
    _reverse(ctx, tx, ref, touched)
    main = ctx.instrument(tx.instrument)
    ctx.balance_after = main.balance if main is not None else None
    return R.OK


def _touches_loyalty(ctx: Ctx, tx: Transaction, ref: TxRecord) -> bool:
    if ref.tx.op is Op.REFUND:
        original = ctx.record(ref.tx.ref)
        if original is not None and original.tx.op is Op.PURCHASE:
            return True
    inst = ctx.instrument(tx.instrument)
    return inst is not None and is_loyal(ctx, inst)


def _net(postings: tuple[Posting, ...], instrument_id: str) -> int:
    """What `postings` moved on one instrument (negative: taken off it)."""
    account = accounts.instrument_account(instrument_id)
    return sum(p.amount for p in postings if p.account == account)


def _instruments_of(ctx: Ctx, postings: tuple[Posting, ...]) -> dict[str, Instrument]:
    found: dict[str, Instrument] = {}
    for p in postings:
        if accounts.is_instrument_account(p.account):
            inst = ctx.instrument(p.account[_INSTRUMENT_PREFIX:])
            assert inst is not None, "the service loads every instrument a reference touched"
            found[inst.id] = inst
    return found


def _status_bar(ctx: Ctx, tx: Transaction, touched: dict[str, Instrument]) -> R | None:
    """A blocked instrument is frozen; an expired one's value went to breakage for good."""
    main = ctx.instrument(tx.instrument)
    for inst in (main, *touched.values()):
        if inst is not None and inst.status is not Status.ACTIVE:
            return R.INSTRUMENT_BLOCKED if inst.status is Status.BLOCKED else R.EXPIRED
    return None


def _reversal_bar(
    ctx: Ctx, postings: tuple[Posting, ...], touched: dict[str, Instrument]
) -> R | None:
    """Reversing a credit takes value back: it must still be there (not spent or held).
    Reversing a debit gives value back: it must fit under the instrument's maximum balance.
    A shortfall is reported before an excess, whichever instrument has which."""
    deltas = [(inst, -_net(postings, inst_id)) for inst_id, inst in touched.items()]
    if any(d < 0 and inst.available(ctx.now) + d < 0 for inst, d in deltas):
        return R.INSUFFICIENT_FUNDS
    if any(d > 0 and inst.balance + d > inst.spec.max_balance for inst, d in deltas):
        return R.LIMIT_EXCEEDED
    return None


def _reverse(ctx: Ctx, tx: Transaction, ref: TxRecord, touched: dict[str, Instrument]) -> None:
    for p in ref.postings:
        ctx.postings.append(Posting(tx.id, p.account, p.unit, -p.amount))
        if accounts.is_instrument_account(p.account):
            inst = touched[p.account[_INSTRUMENT_PREFIX:]]
            ctx.state.touch_instrument(inst)
            inst.balance -= p.amount
            assert inst.balance >= 0
    for inst in touched.values():
        if ref.tx.op is Op.REDEEM and inst.id == ref.tx.instrument and inst.uses_left is not None:
            inst.uses_left += 1  # the voided redemption gives its use back
    if ref.tx.op is Op.REDEEM and not touched:
        _give_use_back(ctx, ref.tx.instrument)
    if ref.tx.op is Op.REFUND:
        original = ctx.record(ref.tx.ref)
        assert original is not None
        ctx.state.touch_record(original)
        original.refunded -= ref.tx.amount
    ctx.state.touch_record(ref)
    ref.voided = True


def _give_use_back(ctx: Ctx, instrument_id: str) -> None:
    """A voided e-ticket entry or discount redemption has no instrument postings."""
    inst = ctx.instrument(instrument_id)
    assert inst is not None
    ctx.state.touch_instrument(inst)
    if inst.uses_left is not None:
        inst.uses_left += 1
