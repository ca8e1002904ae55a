"""What the customer sign-up and feedback pages say, in Vietnamese (the default) and English."""

from __future__ import annotations

from pathlib import Path

from cardsvc.protocol.text import Catalogue

CATALOGUE = Catalogue.load(Path(__file__).parent / "customer_messages.json")
t = CATALOGUE.t


def error_text(lang: str, reason: str) -> str:
    """A refusal's reason in words; an unknown reason as the general one."""
    key = "err_" + reason
    return t(lang, key if CATALOGUE.has(key) else "err_invalid")
