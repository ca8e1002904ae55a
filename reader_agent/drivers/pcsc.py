"""PC/SC readers through pyscard's low-level scard API (the only module that imports pyscard).

Works for any reader pcscd drives: contact, contactless, and vpcd's virtual readers. Waiting for a
card or its removal uses SCardGetStatusChange with a timeout, so nothing blocks without bound
except SCardTransmit itself (PC/SC has no transmit timeout; a card that never answers is the
reader's problem to time out).
"""

from __future__ import annotations

import time

from smartcard import scard

from reader_agent.drivers.base import CardInfo, Reader, ReaderInfo
from reader_agent.drivers.errors import (
    CardRemovedError,
    NoCardError,
    ReaderTimeoutError,
    ReaderUnavailableError,
    TransmissionError,
)
from reader_agent.drivers.trace import ApduTrace

GET_UID = bytes.fromhex("FFCA000000")
REMOVED = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_UNPOWERED_CARD}
NO_SERVICE = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED}
PCSC_STATUS_ABSENT = 0x0002  # SCardStatus state bit SCARD_ABSENT (not exported by pyscard)
STATUS_SLICE_MS = 500  # GetStatusChange in slices, so a vanished reader is noticed
RECONNECT_INTERVAL = 0.05  # retry pace while pcscd still shows a card that has gone


def _message(code: int) -> str:
    return f"{scard.SCardGetErrorMessage(code)} (0x{code & 0xFFFFFFFF:08X})"


def _establish() -> int:
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        hint = "; is pcscd running?" if result in NO_SERVICE else ""
        raise ReaderUnavailableError(f"PC/SC unavailable: {_message(result)}{hint}")
    return int(context)


def list_readers() -> list[ReaderInfo]:
    """PC/SC readers with card presence. ReaderUnavailableError when pcscd is not running."""
    context = _establish()
    try:
        result, names = scard.SCardListReaders(context, [])
        if result == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if result != scard.SCARD_S_SUCCESS:
            raise ReaderUnavailableError(f"cannot list PC/SC readers: {_message(result)}")
        states = [(name, scard.SCARD_STATE_UNAWARE) for name in names]
        result, current = scard.SCardGetStatusChange(context, 0, states)
        if result != scard.SCARD_S_SUCCESS:
            return [ReaderInfo(name, "pcsc") for name in names]
        return [
            ReaderInfo(name, "pcsc", bool(state & scard.SCARD_STATE_PRESENT))
            for name, state, _atr in current
        ]
    finally:
        scard.SCardReleaseContext(context)


class PcscReader(Reader):
    def __init__(self, name: str, trace: ApduTrace | None = None) -> None:
        super().__init__(trace)
        self.name = name
        self._context: int | None = _establish()
        self._card: int | None = None
        self._protocol = 0

    def _wait_state(self, want_present: bool, timeout: float) -> bytes:
        """Wait until the reader shows a card (or none); return the ATR seen."""
        assert self._context is not None
        deadline = time.monotonic() + timeout
        known = scard.SCARD_STATE_UNAWARE
        while True:
            remaining_ms = int(max(0.0, deadline - time.monotonic()) * 1000)
            wait_ms = min(STATUS_SLICE_MS, remaining_ms)
            result, states = scard.SCardGetStatusChange(
                self._context, wait_ms, [(self.name, known)]
            )
            if result == scard.SCARD_E_TIMEOUT:
                if remaining_ms == 0:
                    raise ReaderTimeoutError(f"{self.name}: no change within {timeout} s")
                continue
            if result != scard.SCARD_S_SUCCESS:
                raise ReaderUnavailableError(f"{self.name}: {_message(result)}")
            _, event, atr = states[0]
            present = bool(event & scard.SCARD_STATE_PRESENT) and not event & scard.SCARD_STATE_MUTE
            if present == want_present:
                return bytes(atr)
            known = event & ~scard.SCARD_STATE_CHANGED

    def wait_for_card(self, timeout: float) -> CardInfo:
        """Connect to the next card. A card that is gone by the time we talk to it (pcscd sees a
        removal up to ~0.5 s late, e.g. right after a tear) is skipped, not reported."""
        self._disconnect()
        deadline = time.monotonic() + timeout
        while True:
            atr = self._wait_state(True, max(0.0, deadline - time.monotonic()))
            try:
                self._connect()
                return CardInfo(self.name, atr, self._read_uid())
            except (CardRemovedError, TransmissionError) as failure:
                self._disconnect()
                if time.monotonic() + RECONNECT_INTERVAL >= deadline:
                    raise ReaderTimeoutError(f"{self.name}: no usable card: {failure}") from failure
                time.sleep(RECONNECT_INTERVAL)

    def _connect(self) -> None:
        assert self._context is not None
        protocols = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        result, card, protocol = scard.SCardConnect(
            self._context, self.name, scard.SCARD_SHARE_SHARED, protocols
        )
        if result in REMOVED:
            raise CardRemovedError(f"{self.name}: card left while connecting")
        if result != scard.SCARD_S_SUCCESS:
            raise TransmissionError(f"{self.name}: cannot connect: {_message(result)}")
        self._card, self._protocol = int(card), int(protocol)

    def _read_uid(self) -> bytes | None:
        """Contactless readers answer GET DATA with the UID; contact readers do not."""
        response = self.transmit(GET_UID)
        return response[:-2] if response[-2:] == b"\x90\x00" and len(response) > 2 else None

    def _exchange(self, apdu: bytes) -> bytes:
        if self._card is None:
            raise NoCardError(f"{self.name}: no card connected")
        result, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
        if result == scard.SCARD_S_SUCCESS and len(response) >= 2:
            return bytes(response)
        if result == scard.SCARD_S_SUCCESS:
            # vpcd (and some readers) report a card that vanished mid-exchange as an empty answer
            if not self._card_still_there():
                self._disconnect()
                raise CardRemovedError(f"{self.name}: card left during the exchange")
            raise TransmissionError(f"{self.name}: answer without a status word")
        if result in REMOVED or result == scard.SCARD_W_RESET_CARD:
            self._disconnect()
            raise CardRemovedError(f"{self.name}: {_message(result)}")
        raise TransmissionError(f"{self.name}: {_message(result)}")

    def _card_still_there(self) -> bool:
        assert self._card is not None
        result, _reader, state, _protocol, _atr = scard.SCardStatus(self._card)
        return result == scard.SCARD_S_SUCCESS and not state & PCSC_STATUS_ABSENT

    def wait_for_removal(self, timeout: float) -> None:
        self._wait_state(False, timeout)
        self._disconnect()

    def _disconnect(self) -> None:
        card, self._card = self._card, None
        if card is not None:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)

    def close(self) -> None:
        self._disconnect()
        context, self._context = self._context, None
        if context is not None:
            scard.SCardReleaseContext(context)
