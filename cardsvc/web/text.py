"""What the customer pages say, in Vietnamese (the default) and English, and how amounts and
times are written: đồng with '.' thousands separators (1.250.000 ₫), day/month/year."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

# Every message in both languages: {"key": {"vi": ..., "en": ...}}.
MESSAGES: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "messages.json").read_text(encoding="utf-8")
)
assert all(set(m) == set(LANGS) for m in MESSAGES.values()), "every message in every language"


def pick_lang(query: str | None, cookie: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGS:
            return str(candidate)
    return DEFAULT_LANG


def t(lang: str, key: str, **values: object) -> str:
    text = MESSAGES.get(key, {}).get(lang) or MESSAGES.get(key, {}).get(DEFAULT_LANG) or key
    return text.format(**values) if values else text


def dong(amount: int) -> str:
    """1250000 -> '1.250.000 ₫' (integers only: đồng have no minor unit)."""
    if type(amount) is not int:
        raise TypeError("amounts are integers")
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " ₫"


def when(epoch: int | None, utc_offset_h: int) -> str:
    if epoch is None:
        return "-"
    zone = timezone(timedelta(hours=utc_offset_h))
    return datetime.fromtimestamp(epoch, zone).strftime("%d/%m/%Y %H:%M")
