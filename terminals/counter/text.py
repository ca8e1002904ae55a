"""What the counter says, in Vietnamese (the default) and English: its own catalogue
(messages.json), and how staff type amounts (parse_amount). Writing amounts and times and the
language choice are cardsvc.protocol.text's, shared with the customer pages: the till is a
separate program that only knows the reader agent's API and cardsvc.protocol.
"""

from __future__ import annotations

import re
from pathlib import Path

from cardsvc.protocol.limits import AMOUNT_MAX
from cardsvc.protocol.text import (
    DEFAULT_LANG,
    LANGS,
    Catalogue,
    dong,
    grouped,
    pick_lang,
    when,
)

__all__ = ["DEFAULT_LANG", "LANGS", "MESSAGES", "AmountError", "dong", "grouped", "has",
           "parse_amount", "pick_lang", "t", "when"]  # fmt: skip

CATALOGUE = Catalogue.load(Path(__file__).parent / "messages.json")
MESSAGES = CATALOGUE.messages
t = CATALOGUE.t
has = CATALOGUE.has


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
