"""What the back office says, in Vietnamese (the default) and English (messages.json); amounts,
times and the language choice are cardsvc.protocol.text's."""

from __future__ import annotations

from pathlib import Path

from cardsvc.protocol.text import Catalogue

CATALOGUE = Catalogue.load(Path(__file__).parent / "messages.json")
t = CATALOGUE.t
