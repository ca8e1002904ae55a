"""How the web front-ends write for people: messages in Vietnamese (the default) and English,
amounts in đồng with '.' between thousands (1.250.000 ₫, whole numbers only), times as
day/month/year in the store's zone.

One implementation for every front-end (the customer pages in cardsvc.web, the counter in
terminals): each keeps its own catalogue of messages beside it and looks it up through a
Catalogue. It lives in cardsvc.protocol because that is the one part of the ledger's package
the terminal side may import.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"


def pick_lang(query: str | None, cookie: str | None, default: str = DEFAULT_LANG) -> str:
    """The language asked for in the query, else the one remembered in the cookie."""
    for candidate in (query, cookie):
        if candidate in LANGS:
            return str(candidate)
    return default


class Catalogue:
    """Every message of a front-end in every language: {"key": {"vi": ..., "en": ...}}."""

    def __init__(self, messages: dict[str, dict[str, str]]) -> None:
        missing = sorted(key for key, texts in messages.items() if set(texts) != set(LANGS))
        if missing:
            raise ValueError(f"messages not in exactly {LANGS}: {missing}")
        self.messages = messages

    @classmethod
    def load(cls, path: Path) -> Catalogue:
        messages: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
        return cls(messages)

    def has(self, key: str) -> bool:
        return key in self.messages

    def t(self, lang: str, key: str, **values: object) -> str:
        """The message in `lang` (else in Vietnamese; an unknown key shows as itself)."""
        texts = self.messages.get(key, {})
        text = texts.get(lang) or texts.get(DEFAULT_LANG) or key
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
