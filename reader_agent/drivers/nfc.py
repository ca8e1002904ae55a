"""NFC readers through nfcpy (the only module that imports nfcpy).

Reader side: any reader nfcpy drives (USB devices, and `udp:HOST:PORT` for tests). ISO-DEP
(Type 4A) cards get their APDUs as they are; Type 2 tags (NTAG) answer the PC/SC storage-card
pseudo-APDU READ BINARY (FF B0 00 page Le) from their memory, as a PC/SC reader would, and every
card answers GET DATA (FF CA 00 00) with its UID, so card code is the same over PC/SC and NFC.

Card side (for the emulator): NfcTargetLink lets an emulated card be activated as a Type 4A
target and exchange raw ISO-DEP blocks; the ISO 14443-4 block protocol lives in
reader_agent.emulate.nfc_udp.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import nfc
import nfc.clf
import nfc.tag
import nfc.tag.tt2
import nfc.tag.tt4

from reader_agent.drivers.base import CardInfo, Reader, ReaderInfo
from reader_agent.drivers.errors import (
    CardRemovedError,
    NoCardError,
    ReaderTimeoutError,
    ReaderUnavailableError,
    TransmissionError,
)
from reader_agent.drivers.trace import ApduTrace

log = logging.getLogger(__name__)
SW_OK = b"\x90\x00"
SW_WRONG_P1P2 = b"\x6b\x00"
SW_NOT_SUPPORTED = b"\x6a\x81"
PRESENCE_INTERVAL = 0.1
SENSE_INTERVAL = 0.1


def open_frontend(path: str) -> Any:
    try:
        return nfc.ContactlessFrontend(path)
    except OSError as exc:
        raise ReaderUnavailableError(f"no NFC reader at {path!r}: {exc}") from exc


def list_readers(paths: tuple[str, ...] = ("usb",)) -> list[ReaderInfo]:
    """NFC readers nfcpy can open on `paths` (each path is opened and closed again)."""
    found = []
    for path in paths:
        with contextlib.suppress(ReaderUnavailableError):
            frontend = open_frontend(path)
            found.append(ReaderInfo(f"{frontend.device} ({path})", "nfc"))
            frontend.close()
    return found


class NfcReader(Reader):
    def __init__(self, path: str, trace: ApduTrace | None = None) -> None:
        super().__init__(trace)
        self.name = path
        self._clf: Any = open_frontend(path)
        self._tag: Any = None

    def wait_for_card(self, timeout: float) -> CardInfo:
        deadline = time.monotonic() + timeout
        self._tag = None
        while time.monotonic() < deadline:
            target = self._clf.sense(nfc.clf.RemoteTarget("106A"), iterations=1)
            tag = nfc.tag.activate(self._clf, target) if target is not None else None
            if isinstance(tag, nfc.tag.tt4.Type4Tag | nfc.tag.tt2.Type2Tag):
                self._tag = tag
                return CardInfo(self.name, b"", bytes(tag.identifier))
            time.sleep(SENSE_INTERVAL)
        raise ReaderTimeoutError(f"no card on {self.name} within {timeout} s")

    def _exchange(self, apdu: bytes) -> bytes:
        tag = self._tag
        if tag is None:
            raise NoCardError(f"no card on {self.name}")
        if apdu[:2] == b"\xff\xca":
            return bytes(tag.identifier) + SW_OK if apdu[2:4] == b"\x00\x00" else SW_NOT_SUPPORTED
        try:
            if isinstance(tag, nfc.tag.tt4.Type4Tag):
                return bytes(tag.transceive(apdu))
            return self._type2_pseudo_apdu(tag, apdu)
        except nfc.tag.TagCommandError as exc:
            self._tag = None
            raise CardRemovedError(f"{self.name}: {exc}") from exc
        except nfc.clf.CommunicationError as exc:
            raise TransmissionError(f"{self.name}: {exc!r}") from exc

    @staticmethod
    def _type2_pseudo_apdu(tag: Any, apdu: bytes) -> bytes:
        """PC/SC READ BINARY for storage cards: FF B0 00 page Le -> Le bytes from that page."""
        if apdu[:3] != b"\xff\xb0\x00" or len(apdu) != 5:
            return SW_NOT_SUPPORTED
        page, length = apdu[3], apdu[4] or 16
        data = b""
        while len(data) < length:
            data += bytes(tag.read(page + len(data) // 4))  # READ returns 4 pages
        return data[:length] + SW_OK

    def wait_for_removal(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self._tag is not None and self._tag.is_present:
            if time.monotonic() >= deadline:
                raise ReaderTimeoutError(f"card still on {self.name} after {timeout} s")
            time.sleep(PRESENCE_INTERVAL)
        self._tag = None

    def close(self) -> None:
        self._tag = None
        clf, self._clf = self._clf, None
        if clf is not None:
            clf.close()


class LinkLostError(Exception):
    """The reader went away (field off / RFOFF) during an exchange."""


class NfcTargetLink:
    """Card side: be discovered as an ISO-DEP Type 4A target and exchange raw frames."""

    def __init__(self, path: str, uid: bytes) -> None:
        if len(uid) not in (4, 7):
            raise ValueError("a Type A UID is 4 or 7 bytes")
        self._clf: Any = open_frontend(path)
        self._uid = uid

    def wait_for_activation(self, timeout: float) -> bytes | None:
        """Listen as a card; return the reader's first frame after selection (RATS) or None."""
        target = nfc.clf.LocalTarget("106A")
        target.sens_res = bytearray(b"\x44\x00" if len(self._uid) == 7 else b"\x04\x00")
        target.sdd_res = bytearray(self._uid)
        target.sel_res = bytearray(b"\x20")  # ISO/IEC 14443-4 compliant
        activated = self._clf.listen(target, timeout)
        if activated is None or activated.tt4_cmd is None:
            return None
        return bytes(activated.tt4_cmd)

    def exchange(self, response: bytes | None, timeout: float) -> bytes | None:
        """Send a response frame (None: just listen); return the next command, None on timeout."""
        data = None if response is None else bytearray(response)
        try:
            received = self._clf.exchange(data, timeout)
        except nfc.clf.TimeoutError:
            return None
        except nfc.clf.CommunicationError as exc:
            raise LinkLostError(repr(exc)) from exc
        if received is None:
            raise LinkLostError("link broken")
        return bytes(received)

    def send(self, response: bytes) -> None:
        """Send a last frame without waiting for another (the answer to DESELECT)."""
        with contextlib.suppress(nfc.clf.CommunicationError):
            self._clf.exchange(bytearray(response), 0)

    def close(self) -> None:
        clf, self._clf = self._clf, None
        if clf is not None:
            clf.close()
