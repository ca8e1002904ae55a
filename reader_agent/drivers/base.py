"""The one small reader interface every driver implements.

A reader waits for a card, exchanges APDUs with it and notices its removal. Every exchange
goes through the reader's APDU trace (key material redacted).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType

from reader_agent.drivers.errors import StatusWordError
from reader_agent.drivers.trace import ApduTrace

SW_OK = 0x9000


@dataclass(frozen=True)
class ReaderInfo:
    name: str
    driver: str  # "pcsc", "nfc", "virtual"
    card_present: bool | None = None  # None when the driver cannot tell without connecting


@dataclass(frozen=True)
class CardInfo:
    reader: str
    atr: bytes
    uid: bytes | None  # from anticollision / GET DATA when the reader offers it


class Reader(ABC):
    name: str

    def __init__(self, trace: ApduTrace | None = None) -> None:
        self.trace = trace if trace is not None else ApduTrace()

    @abstractmethod
    def wait_for_card(self, timeout: float) -> CardInfo:
        """Block until a card is present and connected; ReaderTimeoutError after `timeout` s."""

    @abstractmethod
    def _exchange(self, apdu: bytes) -> bytes:
        """Send one C-APDU, return the R-APDU including its status word."""

    @abstractmethod
    def wait_for_removal(self, timeout: float) -> None:
        """Block until the card has left; ReaderTimeoutError after `timeout` s."""

    @abstractmethod
    def close(self) -> None:
        """Release the reader (idempotent)."""

    def transmit(self, apdu: bytes) -> bytes:
        """One traced APDU exchange. Raises NoCardError, CardRemovedError, TransmissionError."""
        self.trace.command(apdu)
        response = self._exchange(apdu)
        self.trace.response(response)
        return response

    def transceive(self, apdu: bytes) -> bytes:
        """An ISO 7816 exchange that must end in 90 00: returns the data, else StatusWordError."""
        response = self.transmit(apdu)
        if len(response) < 2:
            raise StatusWordError(apdu, 0)
        sw = int.from_bytes(response[-2:], "big")
        if sw != SW_OK:
            raise StatusWordError(apdu, sw)
        return response[:-2]

    def __enter__(self) -> Reader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
