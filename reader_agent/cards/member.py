"""UID / NTAG member and online-only cards: read the UID and, where present, the NDEF message.

The card only identifies its holder: balances and points live in the ledger. The NDEF message is
read the Type 4 way (ISO-DEP cards, NFC readers) or from Type 2 memory through PC/SC READ BINARY
(NTAG on a PC/SC contactless reader), whichever the card answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ndef

Transmit = Callable[[bytes], bytes]
SW_OK = b"\x90\x00"
NDEF_AID = bytes.fromhex("D2760000850101")
MAX_NDEF_LENGTH = 4096  # a member card holds an identifier, not a document
READ_CHUNK = 0x3B
TYPE2_FIRST_USER_PAGE = 4
TYPE2_READ = 16  # bytes per READ BINARY of a storage card (4 pages)


class MemberCardError(Exception):
    """The card did not answer as a member card should (no UID, malformed NDEF)."""


@dataclass(frozen=True)
class NdefRecord:
    type: str
    name: str
    data: bytes


@dataclass(frozen=True)
class MemberCardRead:
    uid: bytes
    ndef_message: bytes | None
    records: tuple[NdefRecord, ...]


def _ok(response: bytes) -> bytes | None:
    return response[:-2] if response[-2:] == SW_OK else None


def read_uid(transmit: Transmit) -> bytes:
    uid = _ok(transmit(bytes.fromhex("FFCA000000")))
    if not uid or len(uid) not in (4, 7, 10):
        raise MemberCardError("the reader did not report a card UID")
    return uid


def read_type4_ndef(transmit: Transmit) -> bytes | None:
    """NFC Forum Type 4: select the NDEF application and file, read NLEN then the message."""
    if _ok(transmit(b"\x00\xa4\x04\x00\x07" + NDEF_AID + b"\x00")) is None:
        return None
    if _ok(transmit(bytes.fromhex("00A4000C02E104"))) is None:
        return None
    head = _ok(transmit(bytes.fromhex("00B0000002")))
    if head is None or len(head) != 2:
        raise MemberCardError("NDEF file without a length")
    length = int.from_bytes(head, "big")
    if length > MAX_NDEF_LENGTH:
        raise MemberCardError(f"NDEF message of {length} bytes is too long")
    message = b""
    while len(message) < length:
        offset = 2 + len(message)
        size = min(READ_CHUNK, length - len(message))
        chunk = _ok(transmit(b"\x00\xb0" + offset.to_bytes(2, "big") + bytes([size])))
        if not chunk:
            raise MemberCardError("NDEF file read failed")
        message += chunk
    return message[:length]


def read_type2_ndef(transmit: Transmit) -> bytes | None:
    """NTAG memory through PC/SC READ BINARY: check the CC, then find the NDEF TLV."""
    header = _ok(transmit(bytes.fromhex("FFB0000310")))
    if header is None or len(header) < 4 or header[0] != 0xE1:
        return None
    memory = header[4:]
    page = TYPE2_FIRST_USER_PAGE + len(memory) // 4
    limit = min(header[2] * 8, MAX_NDEF_LENGTH)
    while len(memory) < limit:
        chunk = _ok(transmit(bytes([0xFF, 0xB0, 0x00, page, TYPE2_READ])))
        if not chunk:
            break
        memory += chunk
        page += TYPE2_READ // 4
        found = _ndef_tlv(memory)
        if found is not None:
            return found
    return _ndef_tlv(memory)


def _ndef_tlv(memory: bytes) -> bytes | None:
    """The value of the first NDEF TLV (tag 03) in Type 2 user memory, once fully read."""
    index = 0
    while index < len(memory):
        tag = memory[index]
        if tag == 0x00:  # NULL TLV
            index += 1
            continue
        if tag == 0xFE or index + 1 >= len(memory):
            return None
        length, start = memory[index + 1], index + 2
        if length == 0xFF:
            length, start = int.from_bytes(memory[index + 2 : index + 4], "big"), index + 4
        if tag == 0x03:
            return memory[start : start + length] if start + length <= len(memory) else None
        index = start + length
    return None


def decode_records(message: bytes) -> tuple[NdefRecord, ...]:
    try:
        return tuple(
            NdefRecord(record.type, record.name, bytes(record.data))
            for record in ndef.message_decoder(message)
        )
    except ndef.DecodeError as exc:
        raise MemberCardError(f"malformed NDEF message: {exc}") from exc


def read_member_card(transmit: Transmit) -> MemberCardRead:
    uid = read_uid(transmit)
    message = read_type4_ndef(transmit)
    if message is None:
        message = read_type2_ndef(transmit)
    records = decode_records(message) if message else ()
    return MemberCardRead(uid, message, records)
