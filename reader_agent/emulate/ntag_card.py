"""An emulated NTAG215-style member card: a UID and a read-only NDEF message.

It answers what readers ask of such a card: PC/SC GET DATA (UID), PC/SC READ BINARY of Type 2
memory pages (FF B0 00 page Le, how PC/SC readers expose an NTAG), and the NFC Forum Type 4
NDEF application (SELECT D2760000850101, CC file E103, NDEF file E104, READ BINARY), which is
how it is presented over ISO-DEP.
"""

from __future__ import annotations

import threading
from functools import reduce
from operator import xor

from reader_agent.emulate.card import uid_response

ATR = bytes.fromhex("3B8F8001804F0CA0000003060300030000000068")  # PC/SC part 3, NTAG
NDEF_AID = bytes.fromhex("D2760000850101")
CC_FILE, NDEF_FILE = b"\xe1\x03", b"\xe1\x04"
USER_PAGES = 126  # NTAG215: 504 bytes of user memory from page 4
SW_OK, SW_NOT_FOUND, SW_WRONG_P1P2 = b"\x90\x00", b"\x6a\x82", b"\x6b\x00"
SW_INS_NOT_SUPPORTED, SW_WRONG_LENGTH = b"\x6d\x00", b"\x67\x00"


def type2_memory(uid: bytes, ndef_message: bytes) -> bytes:
    """Pages 0-3 (UID with check bytes, lock, capability container) and the NDEF TLV."""
    bcc0 = reduce(xor, b"\x88" + uid[:3])
    bcc1 = reduce(xor, uid[3:7])
    header = uid[:3] + bytes([bcc0]) + uid[3:7] + bytes([bcc1, 0x48, 0x00, 0x00])
    capability = bytes([0xE1, 0x10, USER_PAGES * 4 // 8, 0x0F])  # v1.0, read-only
    if len(ndef_message) < 0xFF:
        tlv = bytes([0x03, len(ndef_message)])
    else:
        tlv = bytes([0x03, 0xFF]) + len(ndef_message).to_bytes(2, "big")
    user = tlv + ndef_message + b"\xfe"
    if len(user) > USER_PAGES * 4:
        raise ValueError("NDEF message does not fit an NTAG215")
    return header + capability + user + bytes(USER_PAGES * 4 - len(user))


class EmulatedNtag:
    def __init__(self, uid: bytes, ndef_message: bytes = b"") -> None:
        if len(uid) != 7:
            raise ValueError("an NTAG UID is 7 bytes")
        self._uid = uid
        self._memory = type2_memory(uid, ndef_message)
        self._ndef_file = len(ndef_message).to_bytes(2, "big") + ndef_message
        self._capability_file = (
            bytes.fromhex("000F20003B00340406E104")
            + len(self._ndef_file).to_bytes(2, "big")
            + b"\x00\xff"
        )
        self._lock = threading.Lock()
        self._selected: bytes | None = None
        self._app_selected = False

    @property
    def uid(self) -> bytes:
        return self._uid

    @property
    def atr(self) -> bytes:
        return ATR

    def power_off(self) -> None:
        with self._lock:
            self._selected, self._app_selected = None, False

    def process(self, apdu: bytes) -> bytes:
        with self._lock:
            pseudo = uid_response(apdu, self._uid)
            if pseudo is not None:
                return pseudo
            if len(apdu) < 4:
                return SW_WRONG_LENGTH
            if apdu[:3] == b"\xff\xb0\x00" and len(apdu) == 5:
                start = apdu[3] * 4
                length = apdu[4] or 16
                if start + length > len(self._memory):
                    return SW_WRONG_P1P2
                return self._memory[start : start + length] + SW_OK
            if apdu[:2] == b"\x00\xa4":
                return self._select(apdu)
            if apdu[:2] == b"\x00\xb0":
                return self._read_binary(apdu)
            return SW_INS_NOT_SUPPORTED

    def _select(self, apdu: bytes) -> bytes:
        data = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if apdu[2] == 0x04:
            self._app_selected = data == NDEF_AID
            self._selected = None
            return SW_OK if self._app_selected else SW_NOT_FOUND
        if self._app_selected and apdu[2] == 0x00 and data in (CC_FILE, NDEF_FILE):
            self._selected = data
            return SW_OK
        return SW_NOT_FOUND

    def _read_binary(self, apdu: bytes) -> bytes:
        if self._selected is None or len(apdu) != 5:
            return SW_NOT_FOUND if self._selected is None else SW_WRONG_LENGTH
        content = self._capability_file if self._selected == CC_FILE else self._ndef_file
        offset = int.from_bytes(apdu[2:4], "big")
        if offset > len(content):
            return SW_WRONG_P1P2
        return content[offset : offset + (apdu[4] or 256)] + SW_OK
