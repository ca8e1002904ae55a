"""`apply`: the ledger state machine. A batch in, one result per transaction and postings out.

Exactly once: every transaction id is recorded with its first result. Resending the same
transaction returns `exists` (if it succeeded) or its first failure code; the same id with other
content is refused with `exists_with_different_fields` and changes nothing.

Linked chains: a transaction with `linked=True` is chained with the next one; the chain ends at
the first transaction without the flag. If any member fails, none take effect: the failing one
keeps its code, the others get `linked_event_failed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cardsvc.core.amounts import BATCH_MAX
from cardsvc.core.checks import malformed_fields, malformed_id
from cardsvc.core.codes import ResultCode as R
from cardsvc.core.context import Ctx
from cardsvc.core.model import Posting, Result, Transaction, TxRecord
from cardsvc.core.ops import HANDLERS
from cardsvc.core.state import LedgerState, Policy

_CHAIN_OK = (R.OK, R.EXISTS)


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    results: list[Result]
    postings: list[Posting]


def apply(
    state: LedgerState,
    batch: Sequence[Transaction],
    now: int,
    policy: Policy = Policy(),
) -> BatchOutcome:
    """Apply a batch in order. Business outcomes are result codes; an exception is a bug."""
    assert len(batch) <= BATCH_MAX, "batches are bounded"
    assert type(now) is int, "time is int epoch seconds"
    ctx = Ctx(state, now, policy)
    results: list[Result] = []
    i, n = 0, len(batch)
    while i < n:
        tx = batch[i]
        if tx.linked:
            i = _apply_chain(ctx, batch, i, results)
        else:
            results.append(_apply_one(ctx, tx))
            i += 1
    assert len(results) == n
    return BatchOutcome(results, ctx.postings)


# Hot-path constants: a module global is much cheaper to read than an Enum class attribute.
_OK = R.OK
_INVALID_OPERATION = R.INVALID_OPERATION
_new_tuple = tuple.__new__  # builds a Result without the namedtuple's extra Python call


def _apply_one(ctx: Ctx, tx: Transaction) -> Result:
    tx_id = tx.id
    if type(tx_id) is not str or not tx_id:  # unusable as a key: refused unrecorded
        return Result(_INVALID_OPERATION)
    seen = ctx.records.get(tx_id)
    if seen is not None:
        return _resent(seen, tx)
    bad = malformed_fields(tx)
    if bad is not None:
        return Result(bad)
    out = ctx.postings
    mark = len(out)
    code = HANDLERS[tx.op](ctx, tx)
    posted = len(out) - mark
    if posted == 0:
        postings: tuple[Posting, ...] = ()
    else:
        assert code is _OK, "a failed transaction posts nothing"
        if posted == 2:  # one pair, nearly always: checked here rather than in a call
            first, second = postings = (out[mark], out[mark + 1])
            assert first[2] == second[2] and first[3] + second[3] == 0, "an unbalanced pair"
        else:
            postings = tuple(out[mark:])
            _assert_balanced(postings)
    balance_after, loyalty = ctx.balance_after, ctx.loyalty
    ctx.balance_after = ctx.loyalty = None  # reset after use, so each handler starts from None
    ctx.state.add_record(TxRecord(tx, code, balance_after, ctx.now, postings, loyalty=loyalty))
    return _new_tuple(Result, (code, balance_after))


def _resent(seen: TxRecord, tx: Transaction) -> Result:
    if seen.tx != tx:
        return Result(R.EXISTS_WITH_DIFFERENT_FIELDS)
    if seen.code is R.OK:
        return Result(R.EXISTS, seen.balance_after)
    return Result(seen.code, seen.balance_after)


def _chain_end(batch: Sequence[Transaction], start: int) -> int | None:
    """Index one past the chain starting at `start`, or None if the batch ends inside it."""
    for j in range(start, len(batch)):
        if not batch[j].linked:
            return j + 1
    return None


def _apply_chain(ctx: Ctx, batch: Sequence[Transaction], start: int, out: list[Result]) -> int:
    end = _chain_end(batch, start)
    if end is None:
        # A chain the terminal never closed is malformed: nothing applied, nothing recorded,
        # so the terminal can fix and resend it.
        out.extend(Result(R.LINKED_CHAIN_OPEN) for _ in range(start, len(batch)))
        return len(batch)
    members = batch[start:end]
    mark = len(ctx.postings)
    ctx.state.begin_chain()
    results = [_apply_one(ctx, tx) for tx in members]
    failed = next((k for k, r in enumerate(results) if r.code not in _CHAIN_OK), None)
    ctx.state.end_chain(commit=failed is None)
    if failed is None:
        out.extend(results)
        return end
    del ctx.postings[mark:]
    out.extend(_fail_chain(ctx, members, results, failed))
    return end


def _fail_chain(
    ctx: Ctx, members: Sequence[Transaction], results: list[Result], failed: int
) -> list[Result]:
    """Record the chain's new members with the failure; resent members keep their first result."""
    final: list[Result] = []
    for k, (tx, first) in enumerate(zip(members, results, strict=True)):
        if malformed_id(tx) is not None:
            final.append(first)
            continue
        seen = ctx.records.get(tx.id)
        if seen is not None:  # recorded before this chain (or earlier in it): a resend
            final.append(_resent(seen, tx))
            continue
        if malformed_fields(tx) is not None:  # refused unrecorded, as outside a chain
            final.append(first)
            continue
        code = first.code if k == failed else R.LINKED_EVENT_FAILED
        ctx.state.add_record(TxRecord(tx, code, None, ctx.now))
        final.append(Result(code))
    return final


def _assert_balanced(postings: tuple[Posting, ...]) -> None:
    """A transaction's postings sum to zero per unit."""
    totals: dict[str, int] = {}
    for p in postings:
        totals[p.unit] = totals.get(p.unit, 0) + p.amount
    assert not any(totals.values()), "postings of a transaction sum to zero per unit"
