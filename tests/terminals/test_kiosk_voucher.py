"""The kiosk and the ledger agree on what a voucher takes off a purchase: the amount the kiosk
accepts offline is one the ledger's core accepts at sync, and for a discount voucher it is the
most the core accepts (one đồng more is refused)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cardsvc.core import InstrumentKind, Op, ResultCode
from cardsvc.core.ops import voucher_discount
from cardsvc.protocol.qr import QrClaims, QrKind
from terminals.kiosk.kiosk import voucher_amount
from tests.core.helpers import NOW, Harness

PURCHASES = st.integers(min_value=0, max_value=10**10)
MAX_BALANCE = 10_000_000  # the core's default program maximum


def _claims(**terms: int) -> QrClaims:
    return QrClaims(QrKind.VOUCHER, "v", "prog", NOW, **terms)


def _ledger_code(amount: int, purchase: int, **spec: int) -> ResultCode:
    h = Harness()
    value = spec.pop("value", 0)
    h.issue("v", InstrumentKind.VOUCHER, value, uses=1, partial=False, **spec)
    return h.code(Op.REDEEM, "v", amount, purchase_amount=purchase)


@given(
    discount_bp=st.integers(min_value=1, max_value=10_000),
    discount_cap=st.integers(min_value=0, max_value=10**9),
    min_spend=st.integers(min_value=0, max_value=10**6),
    purchase=PURCHASES,
)
def test_a_discount_is_the_most_the_ledger_accepts(
    discount_bp: int, discount_cap: int, min_spend: int, purchase: int
) -> None:
    terms = {"discount_bp": discount_bp, "discount_cap": discount_cap, "min_spend": min_spend}
    amount = voucher_amount(_claims(**terms), purchase)
    assert amount == voucher_discount(purchase, discount_bp, discount_cap)
    if purchase < min_spend:
        assert _ledger_code(amount or 1, purchase, **terms) is ResultCode.MIN_SPEND_NOT_MET
        return
    if amount > 0:
        assert _ledger_code(amount, purchase, **terms) is ResultCode.OK
    assert _ledger_code(amount + 1, purchase, **terms) is ResultCode.LIMIT_EXCEEDED


@given(value=st.integers(min_value=1, max_value=MAX_BALANCE), purchase=PURCHASES)
def test_a_fixed_voucher_takes_what_the_ledger_accepts(value: int, purchase: int) -> None:
    amount = voucher_amount(_claims(value=value), purchase)
    assert amount == min(value, purchase)
    if amount > 0:
        assert _ledger_code(amount, purchase, value=value) is ResultCode.OK
    assert _ledger_code(value + 1, purchase, value=value) is ResultCode.INSUFFICIENT_FUNDS
