"""Amounts as Vietnamese cashiers type them -> whole đồng, or the reason they are refused.

  200000, 200.000, 200 000, 200.000 ₫    dots and spaces between thousands, a currency sign
  50k, 50K, 50 nghìn                     thousands
  1tr, 1m, 1M, 1 triệu                   millions
  1,5tr, 1.5tr, 1tr5, 2,5k               a fraction with a multiplier, when it comes out whole

Anything else is refused with a reason (a message key) before anything is sent: "1.5" (đồng have
no decimals, and whether 1.500 was meant cannot be known), "200,5", "-5", "1e6". A number too
large for the ledger says "too large", however many digits it has. The typed text travels with
the error so the screen can repeat it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from cardsvc.protocol.limits import AMOUNT_MAX

TYPED_MAX = 40  # longer input is refused before any parsing

MULTIPLIERS: dict[str, int] = {
    "k": 1_000, "nghìn": 1_000, "ngàn": 1_000,
    "tr": 1_000_000, "m": 1_000_000, "triệu": 1_000_000,
}  # fmt: skip
_CURRENCY = re.compile(r"(₫|đồng|đ|vnđ|vnd|dong)$")
_PLAIN = re.compile(r"\d+")
_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")
_SUFFIXED = re.compile(r"(?P<whole>\d+)(?:[.,](?P<frac>\d+))?(?P<unit>k|nghìn|ngàn|tr|m|triệu)")
_TR_TAIL = re.compile(r"(?P<whole>\d+)(?P<unit>tr|m|k)(?P<tail>\d{1,3})")  # 1tr5 = 1.500.000
_DECIMAL = re.compile(r"\d+[.,]\d{1,2}|\d+,\d+")  # 1.5, 20.00, 200,5: decimals, not thousands


class AmountError(ValueError):
    """Why a typed amount is refused: `key` is the message to show, `typed` what was typed."""

    def __init__(self, key: str, typed: str = "") -> None:
        super().__init__(key)
        self.key, self.typed = key, typed


def _normal(text: str) -> str:
    cleaned = text.strip().lower().replace("\u00a0", " ")
    cleaned = _CURRENCY.sub("", cleaned.rstrip()).strip()
    return cleaned.replace(" ", "")


def _suffixed(cleaned: str) -> int | None:
    """50k, 1,5tr, 1tr5 -> đồng; None when the text has no multiplier; AmountError when the
    multiplier leaves a fraction of a đồng."""
    found = _SUFFIXED.fullmatch(cleaned)
    if found is not None:
        number = Decimal(found["whole"] + "." + (found["frac"] or "0"))
        unit = MULTIPLIERS[found["unit"]]
    else:
        found = _TR_TAIL.fullmatch(cleaned)
        if found is None:
            return None
        number = Decimal(found["whole"] + "." + found["tail"])
        unit = MULTIPLIERS[found["unit"]]
    value = number * unit
    if value != value.to_integral_value():
        raise AmountError("amount_fraction")
    return int(value)


def parse_amount(text: str, *, allow_zero: bool = False) -> int:
    """What was typed -> whole đồng; AmountError(key, typed) with the reason otherwise."""
    typed = text.strip()[:TYPED_MAX]
    try:
        return _parse(text, allow_zero)
    except AmountError as exc:
        raise AmountError(exc.key, typed) from None


def _parse(text: str, allow_zero: bool) -> int:
    if len(text) > TYPED_MAX:
        raise AmountError("amount_bad")
    cleaned = _normal(text)
    if not cleaned:
        raise AmountError("amount_missing")
    amount = _suffixed(cleaned)
    if amount is None:
        if _PLAIN.fullmatch(cleaned) or _GROUPED.fullmatch(cleaned):
            amount = int(cleaned.replace(".", ""))
        elif _DECIMAL.fullmatch(cleaned):
            raise AmountError("amount_decimal")
        else:
            raise AmountError("amount_bad")
    if amount > AMOUNT_MAX:
        raise AmountError("amount_too_large")
    if amount == 0 and not allow_zero:
        raise AmountError("amount_zero")
    return amount


# The buttons a counter offers under an amount field: the amounts customers most often hand over.
QUICK_AMOUNTS = (50_000, 100_000, 200_000, 500_000, 1_000_000)


def short_form(amount: int, lang: str = "vi") -> str:
    """How a quick-amount button reads: 50k, 500k, 1tr (1m in English), as cashiers say them."""
    if amount >= 1_000_000 and amount % 1_000_000 == 0:
        return f"{amount // 1_000_000}{'tr' if lang == 'vi' else 'm'}"
    if amount >= 1_000 and amount % 1_000 == 0:
        return f"{amount // 1_000}k"
    return str(amount)
