"""What a reader driver needs of a card plugged into it directly (the virtual reader).

Defined here, on the driver side, so that drivers depend on nothing above them: emulated cards
(reader_agent.emulate) satisfy this protocol and raise CardTorn, never the other way round.
"""

from __future__ import annotations

from typing import Protocol


class CardTorn(Exception):
    """The card left the field: the transport must drop the connection without answering."""


class CardLike(Protocol):
    @property
    def uid(self) -> bytes: ...

    @property
    def atr(self) -> bytes: ...

    def process(self, apdu: bytes) -> bytes:
        """One C-APDU in, one R-APDU out; raises CardTorn when the card leaves mid-exchange."""
        ...

    def power_off(self) -> None:
        """Field off / card removed: volatile state (session, open transaction) is lost."""
        ...
