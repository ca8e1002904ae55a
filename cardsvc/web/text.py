"""What the customer pages say, in Vietnamese (the default) and English: their own catalogue
(messages.json); amounts, times and the language choice are cardsvc.protocol.text's."""

from __future__ import annotations

from pathlib import Path

from cardsvc.protocol.text import DEFAULT_LANG, LANGS, Catalogue, dong, pick_lang, when

__all__ = ["DEFAULT_LANG", "LANGS", "MESSAGES", "dong", "pick_lang", "t", "when"]

CATALOGUE = Catalogue.load(Path(__file__).parent / "messages.json")
MESSAGES = CATALOGUE.messages
t = CATALOGUE.t
