"""A bounded APDU trace for diagnostics that never keeps key material.

Authentication frames (their random challenges are encrypted under the card key, and the
continuation frames with them) and ChangeKey cryptograms are recorded as their header and length
only. Everything else (MACs included, which reveal no key) is kept as hex.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

DEFAULT_TRACE_LENGTH = 256
# DESFire: legacy auth 0A/1A, AES AA, EV2 71/77, ChangeKey C4, ChangeKeyEV2 C6
DESFIRE_AUTH = frozenset({0x0A, 0x1A, 0xAA, 0x71, 0x77})
DESFIRE_SECRET = DESFIRE_AUTH | {0xC4, 0xC6}
ISO_SECRET = frozenset({0x82, 0x84, 0x86, 0x88})  # EXTERNAL/GET CHALLENGE/GENERAL/INTERNAL AUTH
ADDITIONAL_FRAME = 0xAF


@dataclass(frozen=True)
class TraceEntry:
    at: float  # time.monotonic()
    direction: str  # ">" to the card, "<" from it
    text: str


def _redacted(header: bytes, payload_len: int) -> str:
    return f"{header.hex()} <{payload_len} bytes redacted>"


class ApduTrace:
    def __init__(self, maxlen: int = DEFAULT_TRACE_LENGTH) -> None:
        self._entries: deque[TraceEntry] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._in_auth = False  # an authentication's AF frames are secret too
        self._secret_reply = False

    def command(self, apdu: bytes) -> None:
        secret = self._is_secret(apdu)
        self._secret_reply = secret
        if secret:
            header_len = 5 if len(apdu) >= 5 and apdu[0] in (0x00, 0x90) else 1
            text = _redacted(apdu[:header_len], max(0, len(apdu) - header_len))
        else:
            text = apdu.hex()
        self._add(">", text)

    def response(self, response: bytes) -> None:
        if self._secret_reply and len(response) > 2:
            self._add("<", _redacted(response[-2:], len(response) - 2))
        else:
            self._add("<", response.hex())

    def _is_secret(self, apdu: bytes) -> bool:
        if len(apdu) < 2:
            return False
        if apdu[0] == 0x90:  # ISO-wrapped DESFire
            ins = apdu[1]
        elif apdu[0] == 0x00:
            return apdu[1] in ISO_SECRET
        else:  # native DESFire framing
            ins = apdu[0]
        if ins == ADDITIONAL_FRAME:
            return self._in_auth
        self._in_auth = ins in DESFIRE_AUTH
        return ins in DESFIRE_SECRET

    def _add(self, direction: str, text: str) -> None:
        with self._lock:
            self._entries.append(TraceEntry(time.monotonic(), direction, text))

    def entries(self) -> list[TraceEntry]:
        with self._lock:
            return list(self._entries)

    def dump(self) -> str:
        return "\n".join(f"{e.direction} {e.text}" for e in self.entries())
