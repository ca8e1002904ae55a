"""Checks shared by the operations: each returns a ResultCode when the check fails, else None."""

from __future__ import annotations

from cardsvc.core.amounts import AMOUNT_MAX, BALANCE_MAX, Unit
from cardsvc.core.codes import ResultCode as R
from cardsvc.core.model import (
    Funding,
    InstrumentKind,
    InstrumentSpec,
    Op,
    Status,
    Transaction,
)

# Instruments that carry stored value (balance); tickets and discount vouchers carry rights.
_VALUE_KINDS = frozenset(
    {InstrumentKind.PREPAID, InstrumentKind.GIFT, InstrumentKind.VOUCHER, InstrumentKind.MEMBER}
)


def carries_value(spec: InstrumentSpec) -> bool:
    return spec.kind in _VALUE_KINDS and spec.discount_bp == 0


def holdable(spec: InstrumentSpec) -> bool:
    """Holds reserve part of a balance for a later capture, which neither uses up a use nor
    forfeits the rest: so only partly spendable value without a use count can be held."""
    return carries_value(spec) and spec.partial and spec.uses is None


def out_of_range(amount: int) -> R:
    """The code for an int amount outside (0, AMOUNT_MAX], once a fast inline check failed."""
    return R.INVALID_AMOUNT if amount <= 0 else R.LIMIT_EXCEEDED


def positive_amount(amount: int) -> R | None:
    if type(amount) is not int or amount <= 0:
        return R.INVALID_AMOUNT
    if amount > AMOUNT_MAX:
        return R.LIMIT_EXCEEDED
    return None


_ACTIVE, _BLOCKED = Status.ACTIVE, Status.BLOCKED  # module globals: cheap on the hot path
_PREPAID, _MEMBER, _GIFT = InstrumentKind.PREPAID, InstrumentKind.MEMBER, InstrumentKind.GIFT


def usable(status: Status, spec: InstrumentSpec, tx: Transaction, now: int) -> R | None:
    """Can this instrument be used by `tx` at `now`: status, validity window, store, terminal."""
    if status is not _ACTIVE:
        return R.INSTRUMENT_BLOCKED if status is _BLOCKED else R.EXPIRED
    if spec.valid_from is not None and now < spec.valid_from:
        return R.NOT_YET_VALID
    if spec.valid_until is not None and now >= spec.valid_until:
        return R.EXPIRED
    if spec.accepted_stores and tx.store not in spec.accepted_stores:
        return R.NOT_ACCEPTED_HERE
    if spec.accepted_terminals and tx.terminal not in spec.accepted_terminals:
        return R.NOT_ACCEPTED_HERE
    return None


def reloadable(spec: InstrumentSpec) -> bool:
    kind = spec.kind
    if kind is _PREPAID or kind is _MEMBER:
        return True
    return kind is _GIFT and spec.reloadable


def _is_int(value: object) -> bool:
    return type(value) is int  # bool is an int subclass, and never a number here


def _is_opt_int(value: object) -> bool:
    return value is None or type(value) is int


def _is_opt_str(value: object) -> bool:
    return value is None or type(value) is str


def _well_typed_spec(spec: InstrumentSpec) -> bool:
    """The fields have the types the dataclass declares (the core never trusts its callers)."""
    return (
        type(spec.kind) is InstrumentKind
        and type(spec.unit) is Unit
        and type(spec.program) is str
        and _is_opt_int(spec.valid_from)
        and _is_opt_int(spec.valid_until)
        and type(spec.reloadable) is bool
        and type(spec.partial) is bool
        and _is_opt_int(spec.uses)
        and all(_is_int(v) for v in (spec.max_balance, spec.discount_bp, spec.discount_cap))
        and _is_int(spec.min_spend)
        and _is_int(spec.passback_s)
        and type(spec.accepted_stores) is frozenset
        and all(type(s) is str for s in spec.accepted_stores)
        and type(spec.accepted_terminals) is frozenset
        and all(type(s) is str for s in spec.accepted_terminals)
    )


def valid_spec(spec: InstrumentSpec) -> bool:
    """Reject specs no program could mean (the API validates too; the core never trusts it)."""
    if not _well_typed_spec(spec):
        return False
    if not 0 < spec.max_balance <= BALANCE_MAX or not spec.program:
        return False
    if spec.uses is not None and spec.uses < 1:
        return False
    if not 0 <= spec.discount_bp <= 10_000:
        return False
    if not (0 <= spec.discount_cap <= AMOUNT_MAX and 0 <= spec.min_spend <= AMOUNT_MAX):
        return False
    if spec.discount_bp and spec.kind is not InstrumentKind.VOUCHER:
        return False
    if spec.passback_s < 0:
        return False
    window = (spec.valid_from, spec.valid_until)
    return None in window or window[0] < window[1]  # type: ignore[operator]


def malformed_id(tx: Transaction) -> R | None:
    """A transaction without a usable id cannot be recorded, so it is refused unrecorded."""
    tx_id = tx.id
    if type(tx_id) is not str or not tx_id:
        return R.INVALID_OPERATION
    return None


def malformed_fields(tx: Transaction) -> R | None:
    """Fields of the wrong type (a float or bool amount, an op that is no Op, ...).

    Such a transaction is refused and not recorded: what no terminal could have meant never
    enters the ledger, and the storage layer never sees a value it could not store. Values of
    the right type but out of range (a negative amount) are the handlers' business and are
    recorded like any other failure. (One expression on the hot path; the slow path names
    the code.)
    """
    if (
        type(tx.op) is Op
        and type(tx.instrument) is str
        and type(tx.amount) is int
        and type(tx.store) is str
        and type(tx.terminal) is str
        and type(tx.purchase_amount) is int
        and type(tx.expires_at) is int
        and type(tx.funding) is Funding
        and type(tx.linked) is bool
        and (tx.ref is None or type(tx.ref) is str)
        and (tx.counterparty is None or type(tx.counterparty) is str)
        and (tx.spec is None or type(tx.spec) is InstrumentSpec)
        and type(tx.excluded) is int
        and type(tx.tenders) is tuple
        and (tx.reason is None or type(tx.reason) is str)
    ):
        return None
    return _malformation(tx)


def _malformation(tx: Transaction) -> R:
    """Which code a malformed transaction gets: what it is, then its amounts, then the rest."""
    if type(tx.op) is not Op or type(tx.instrument) is not str or type(tx.linked) is not bool:
        return R.INVALID_OPERATION
    if not (_is_int(tx.amount) and _is_int(tx.purchase_amount) and _is_int(tx.expires_at)):
        return R.INVALID_AMOUNT
    if not _is_int(tx.excluded) or type(tx.tenders) is not tuple:
        return R.INVALID_AMOUNT
    if not _is_opt_str(tx.reason):
        return R.INVALID_OPERATION
    if type(tx.store) is not str or type(tx.terminal) is not str:
        return R.INVALID_OPERATION
    if not (_is_opt_str(tx.ref) and _is_opt_str(tx.counterparty)):
        return R.INVALID_OPERATION
    if type(tx.funding) is not Funding:
        return R.INVALID_OPERATION
    return R.INVALID_SPEC
