"""What the counter says, in Vietnamese (the default) and English, and how it writes and reads
amounts: đồng with '.' thousands separators (1.250.000 ₫), whole numbers only.

The same approach as the customer page (cardsvc.web.text), with the counter's own catalogue:
the till is a separate program that only knows the reader agent's API.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cardsvc.protocol.limits import AMOUNT_MAX

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

# Every message in both languages: {"key": {"vi": ..., "en": ...}}.
MESSAGES: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "messages.json").read_text(encoding="utf-8")
)
assert all(set(m) == set(LANGS) for m in MESSAGES.values()), "every message in every language"


def pick_lang(query: str | None, cookie: str | None, default: str = DEFAULT_LANG) -> str:
    for candidate in (query, cookie):
        if candidate in LANGS:
            return str(candidate)
    return default


def has(key: str) -> bool:
    return key in MESSAGES


def t(lang: str, key: str, **values: object) -> str:
    text = MESSAGES.get(key, {}).get(lang) or MESSAGES.get(key, {}).get(DEFAULT_LANG) or key
    return text.format(**values) if values else text


def grouped(number: int) -> str:
    """1250000 -> '1.250.000' (integers only)."""
    if type(number) is not int:
        raise TypeError("amounts are integers")
    sign = "-" if number < 0 else ""
    return f"{sign}{abs(number):,}".replace(",", ".")


def dong(amount: int) -> str:
    """1250000 -> '1.250.000 ₫' (đồng have no minor unit)."""
    return grouped(amount) + " ₫"


def when(epoch: int | None, utc_offset_h: int) -> str:
    if epoch is None:
        return "-"
    zone = timezone(timedelta(hours=utc_offset_h))
    return datetime.fromtimestamp(epoch, zone).strftime("%d/%m/%Y %H:%M")


class AmountError(ValueError):
    """What is wrong with a typed amount: `key` is the message to show."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


_CURRENCY = re.compile(r"\s*(₫|đ|đồng|vnd|vnđ)\s*$", re.IGNORECASE)
_PLAIN = re.compile(r"\d{1,13}")
_GROUPED = re.compile(r"\d{1,3}(\.\d{3}){1,4}")


def parse_amount(text: str, *, allow_zero: bool = False) -> int:
    """What staff type -> đồng: '200000', '200.000', '200 000', '200.000 ₫'. A comma is a
    decimal separator in Vietnamese and đồng have none, so '200,5' is refused, not guessed."""
    cleaned = _CURRENCY.sub("", text.strip()).replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        raise AmountError("amount_missing")
    if not (_PLAIN.fullmatch(cleaned) or _GROUPED.fullmatch(cleaned)):
        raise AmountError("amount_bad")
    amount = int(cleaned.replace(".", ""))
    if amount > AMOUNT_MAX:
        raise AmountError("amount_too_large")
    if amount == 0 and not allow_zero:
        raise AmountError("amount_zero")
    return amount
