"""Checks shared by the operations: each returns a ResultCode when the check fails, else None."""

from __future__ import annotations

from cardsvc.core.amounts import AMOUNT_MAX, BALANCE_MAX
from cardsvc.core.codes import ResultCode as R
from cardsvc.core.model import InstrumentKind, InstrumentSpec, Status, Transaction

# Instruments that carry stored value (balance); tickets and discount vouchers carry rights.
_VALUE_KINDS = frozenset(
    {InstrumentKind.PREPAID, InstrumentKind.GIFT, InstrumentKind.VOUCHER, InstrumentKind.MEMBER}
)


def carries_value(spec: InstrumentSpec) -> bool:
    return spec.kind in _VALUE_KINDS and spec.discount_bp == 0


def positive_amount(amount: int) -> R | None:
    if type(amount) is not int or amount <= 0:
        return R.INVALID_AMOUNT
    if amount > AMOUNT_MAX:
        return R.LIMIT_EXCEEDED
    return None


def usable(status: Status, spec: InstrumentSpec, tx: Transaction, now: int) -> R | None:
    """Can this instrument be used by `tx` at `now`: status, validity window, store."""
    if status is not Status.ACTIVE:
        return R.INSTRUMENT_BLOCKED if status is Status.BLOCKED else R.EXPIRED
    if spec.valid_from is not None and now < spec.valid_from:
        return R.NOT_YET_VALID
    if spec.valid_until is not None and now >= spec.valid_until:
        return R.EXPIRED
    if spec.accepted_stores and tx.store not in spec.accepted_stores:
        return R.NOT_ACCEPTED_HERE
    return None


def reloadable(spec: InstrumentSpec) -> bool:
    kind = spec.kind
    if kind is InstrumentKind.PREPAID or kind is InstrumentKind.MEMBER:
        return True
    return kind is InstrumentKind.GIFT and spec.reloadable


def valid_spec(spec: InstrumentSpec) -> bool:
    """Reject specs no program could mean (the API validates too; the core never trusts it)."""
    if not 0 < spec.max_balance <= BALANCE_MAX or not spec.program:
        return False
    if spec.uses is not None and spec.uses < 1:
        return False
    if not 0 <= spec.discount_bp <= 10_000 or spec.discount_cap < 0 or spec.min_spend < 0:
        return False
    if spec.discount_bp and spec.kind is not InstrumentKind.VOUCHER:
        return False
    if spec.passback_s < 0:
        return False
    window = (spec.valid_from, spec.valid_until)
    return None in window or window[0] < window[1]  # type: ignore[operator]
