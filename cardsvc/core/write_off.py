"""Writing off the difference between a purse card and the ledger (reconciliation).

A purse card may hold another value than the ledger's balance (a divergence: a torn write the
ledger never saw, a card tampered with). Finance either has the next tap correct the card, or
writes the difference off: the ledger's balance moves to what the card holds, against the
program's write-off account (a loss when the card holds more, a gain when it holds less), so the
books stay balanced and the liability report keeps equal to the journal.

The transaction names both the balance to end with (`purchase_amount`) and the amount moved
(`amount`, positive): if the balance changed since finance looked, the two no longer agree and
the write-off is refused (`invalid_amount`) rather than writing off something else.
"""

from __future__ import annotations

from cardsvc.core import accounts
from cardsvc.core.checks import carries_value, positive_amount
from cardsvc.core.codes import ResultCode as R
from cardsvc.core.context import Ctx
from cardsvc.core.loyalty_ops import is_loyal
from cardsvc.core.model import Status, Transaction


def write_off(ctx: Ctx, tx: Transaction) -> R:
    inst = ctx.instrument(tx.instrument)
    if inst is None:
        return R.NOT_FOUND
    if not carries_value(inst.spec) or is_loyal(ctx, inst):
        return R.INVALID_OPERATION
    if inst.status is Status.EXPIRED:
        return R.EXPIRED  # a blocked card is still written off: replays block the card
    bad = positive_amount(tx.amount)
    if bad:
        return bad
    target = tx.purchase_amount
    if type(target) is not int or target < 0:
        return R.INVALID_AMOUNT
    if target > inst.spec.max_balance:
        return R.LIMIT_EXCEEDED
    if abs(target - inst.balance) != tx.amount:
        return R.INVALID_AMOUNT  # the balance moved since the difference was read
    if target < inst.held(ctx.now):
        return R.INSUFFICIENT_FUNDS
    account = accounts.writeoff_account(inst.spec.program)
    if target > inst.balance:
        ctx.credit(tx.id, inst, account, tx.amount)
    else:
        ctx.debit(tx.id, inst, account, tx.amount)
    assert inst.balance == target
    ctx.balance_after = inst.balance
    return R.OK
