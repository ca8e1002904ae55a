"""Typed failures of card readers. Business outcomes never travel as these."""

from __future__ import annotations


class ReaderError(Exception):
    """Base of every reader failure."""


class ReaderUnavailableError(ReaderError):
    """The reader stack is not there: pcscd not running, reader unplugged, device busy."""


class NoCardError(ReaderError):
    """No card is in the field."""


class CardRemovedError(ReaderError):
    """The card left the field during an exchange (a tear)."""


class ReaderTimeoutError(ReaderError):
    """Nothing happened within the time allowed (no card presented, card not removed)."""


class TransmissionError(ReaderError):
    """The exchange failed for a reason other than the card leaving."""


class StatusWordError(ReaderError):
    """An ISO 7816 command answered with a status word other than 90 00."""

    def __init__(self, apdu: bytes, sw: int) -> None:
        self.sw = sw
        super().__init__(f"APDU {apdu[:4].hex()} failed with status word {sw:04X}")
