"""Present an emulated card over NFC as an ISO-DEP (ISO/IEC 14443-4) Type 4A card.

nfcpy has no Type 4 card emulation, so the block protocol is here: answer RATS with an ATS,
then I-blocks (with chaining from the reader), R(ACK)/R(NAK) (presence checks, retransmission)
and S(DESELECT). The transport below it is drivers.nfc.NfcTargetLink (nfcpy's UDP driver in
tests, `udp:HOST:PORT`).
"""

from __future__ import annotations

import logging
import threading

from reader_agent.drivers.nfc import LinkLostError, NfcTargetLink
from reader_agent.emulate.card import CardTorn, EmulatedCard

log = logging.getLogger(__name__)

# TL=05, T0=78 (TA TB TC present, FSCI 8: 256 bytes), TA=80, TB=90 (FWI 9, ~155 ms), TC=00
ATS = bytes.fromhex("0578809000")
IDLE_TIMEOUT = 0.5  # seconds without a reader frame before the stop flag is checked
MAX_CHAINED_COMMAND = 4096
PCB_BLOCK_NUMBER = 0x01
PCB_CHAINING = 0x10
S_DESELECT = 0xC2


class IsoDepCard:
    """The ISO 14443-4 layer of one activation: frame in, frame out."""

    def __init__(self, card: EmulatedCard) -> None:
        self.card = card
        self.block_number = 1  # the PICC's block number starts at 1
        self._last = b""
        self._chained = b""

    def handle(self, frame: bytes) -> bytes | None:
        """Answer one reader frame; None means the card was deselected."""
        if not frame:
            return self._last
        pcb = frame[0]
        if pcb & 0xE2 == 0x02:  # I-block
            return self._i_block(pcb, frame[1:])
        if pcb & 0xE6 == 0xA2:  # R-block: ACK (A2) or NAK (B2)
            if pcb & PCB_BLOCK_NUMBER == self.block_number and self._last:
                return self._last  # the reader missed our last block: send it again
            return bytes([0xA2 | self.block_number])
        if pcb & 0xF7 == S_DESELECT:
            return None
        return self._last

    def _i_block(self, pcb: int, information: bytes) -> bytes:
        self.block_number = pcb & PCB_BLOCK_NUMBER
        self._chained += information
        if len(self._chained) > MAX_CHAINED_COMMAND:
            raise CardTorn("reader sent an over-long chained command")
        if pcb & PCB_CHAINING:
            return bytes([0xA2 | self.block_number])  # ACK, more to come
        apdu, self._chained = self._chained, b""
        self._last = bytes([0x02 | self.block_number]) + self.card.process(apdu)
        return self._last


class NfcCardEmulator:
    """Keep `card` in the field of an nfcpy reader until stopped."""

    def __init__(self, card: EmulatedCard, path: str) -> None:
        self.card = card
        self._link = NfcTargetLink(path, card.uid)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> NfcCardEmulator:
        self._thread = threading.Thread(target=self.run, name="nfc-card", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._link.close()

    def run(self) -> None:
        while not self._stop.is_set():
            rats = self._link.wait_for_activation(IDLE_TIMEOUT)
            if rats is None or rats[0] != 0xE0:
                continue
            self.card.power_off()
            try:
                self._serve(IsoDepCard(self.card))
            except (LinkLostError, CardTorn) as why:
                log.info("NFC card left the field: %s", why)
            self.card.power_off()

    def _serve(self, iso_dep: IsoDepCard) -> None:
        """Answer frames until DESELECT, a tear, the reader leaving or stop()."""
        frame = self._link.exchange(ATS, IDLE_TIMEOUT)
        while not self._stop.is_set():
            if frame is None:  # a card in the field waits as long as the reader is quiet
                frame = self._link.exchange(None, IDLE_TIMEOUT)
                continue
            answer = iso_dep.handle(frame)
            if answer is None:
                self._link.send(bytes([S_DESELECT]))
                return
            frame = self._link.exchange(answer, IDLE_TIMEOUT)
