"""What the gate and the kiosk say, in Vietnamese (the default) and English: their catalogue
(messages.json), why a ticket or code is refused, and amounts and points as people read them.
Writing đồng, times and the language choice are cardsvc.protocol.text's, shared by every
front-end."""

from __future__ import annotations

from pathlib import Path

from cardsvc.protocol.text import LANGS, Catalogue, dong, grouped, pick_lang, when

__all__ = ["LANGS", "dong", "grouped", "has", "pick_lang", "points", "reason", "t", "when"]

CATALOGUE = Catalogue.load(Path(__file__).parent / "messages.json")
t = CATALOGUE.t
has = CATALOGUE.has


def reason(lang: str, code: str) -> str:
    """Why, in words: a refusal code of the gate, the QR check or the ledger."""
    key = f"reason_{code}"
    return t(lang, key) if has(key) else t(lang, "reason_other", code=code)


def points(lang: str, amount: int) -> str:
    """'1.200 điểm' / '1,200 points'."""
    if lang == "en":
        return f"{amount:,} points"
    return f"{grouped(amount)} điểm"
