"""An in-process reader: a card object (drivers.card.CardLike, e.g. an emulated card) plugged in
directly, for unit tests and demos.

A tear planned on the card (CardTorn) makes the card leave: the exchange fails with
CardRemovedError and the reader is empty until the test inserts a card again.
"""

from __future__ import annotations

import threading
import time

from reader_agent.drivers.base import CardInfo, Reader, ReaderInfo
from reader_agent.drivers.card import CardLike, CardTorn
from reader_agent.drivers.errors import CardRemovedError, NoCardError, ReaderTimeoutError
from reader_agent.drivers.trace import ApduTrace


class VirtualReader(Reader):
    def __init__(self, name: str = "Virtual reader 0", trace: ApduTrace | None = None) -> None:
        super().__init__(trace)
        self.name = name
        self._card: CardLike | None = None
        self._changed = threading.Condition()

    def info(self) -> ReaderInfo:
        return ReaderInfo(self.name, "virtual", self._card is not None)

    def insert(self, card: CardLike) -> None:
        with self._changed:
            card.power_off()  # entering the field is a fresh power-up
            self._card = card
            self._changed.notify_all()

    def remove(self) -> None:
        with self._changed:
            if self._card is not None:
                self._card.power_off()
            self._card = None
            self._changed.notify_all()

    def wait_for_card(self, timeout: float) -> CardInfo:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._card is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ReaderTimeoutError(f"no card on {self.name} within {timeout} s")
                self._changed.wait(remaining)
            return CardInfo(self.name, self._card.atr, self._card.uid)

    def _exchange(self, apdu: bytes) -> bytes:
        card = self._card
        if card is None:
            raise NoCardError(f"no card on {self.name}")
        try:
            return card.process(apdu)
        except CardTorn as torn:
            self.remove()
            raise CardRemovedError(str(torn)) from torn

    def wait_for_removal(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._card is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ReaderTimeoutError(f"card still on {self.name} after {timeout} s")
                self._changed.wait(remaining)

    def close(self) -> None:
        self.remove()
