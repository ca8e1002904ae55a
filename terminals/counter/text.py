"""What the counter says, in Vietnamese (the default) and English: its own catalogue
(messages.json); how staff type amounts (parse_amount) is terminals.common's, shared with the
kiosk and the gate. Writing amounts and times and the
language choice are cardsvc.protocol.text's, shared with the customer pages: the till is a
separate program that only knows the reader agent's API and cardsvc.protocol.
"""

from __future__ import annotations

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
from terminals.common.amounts import QUICK_AMOUNTS, AmountError, parse_amount

__all__ = ["DEFAULT_LANG", "LANGS", "MESSAGES", "QUICK_AMOUNTS", "AmountError", "amount_problem",
           "dong", "grouped", "has", "parse_amount", "pick_lang", "points", "quantity", "t",
           "when"]  # fmt: skip

CATALOGUE = Catalogue.load(Path(__file__).parent / "messages.json")
MESSAGES = CATALOGUE.messages
t = CATALOGUE.t
has = CATALOGUE.has


def amount_problem(lang: str, error: AmountError) -> str:
    """What is wrong with a typed amount, repeating what was typed."""
    return t(lang, error.key, typed=error.typed, max=dong(AMOUNT_MAX))


def points(lang: str, amount: int) -> str:
    """1200 -> '1.200 điểm' / '1,200 points' (points are counted the way each language
    groups thousands)."""
    shown = grouped(amount) if lang == "vi" else f"{amount:,}"
    return t(lang, "points_value", points=shown)


def quantity(lang: str, amount: int, unit: str | None) -> str:
    """An amount of an instrument's unit: đồng, or points for member cards (unit PTS)."""
    return points(lang, amount) if unit == "PTS" else dong(amount)
