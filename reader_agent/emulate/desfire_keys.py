"""ChangeKey on the emulated card: who may change which key, and the cryptogram's checks."""

from __future__ import annotations

import hmac

from reader_agent.cards import crypto
from reader_agent.cards.desfire_protocol import Cmd, Status
from reader_agent.emulate.desfire_card_sm import CardSession, CardStatus, Ev1CardSession
from reader_agent.emulate.desfire_legacy import LegacyCardSession, decode_legacy_new_key
from reader_agent.emulate.desfire_state import KeySlot

KEY_TYPE_BITS = 0xC0  # ChangeKey's KeyNo byte on the PICC level: 00 DES/2K3DES, 40 3K3DES, 80 AES
AES_TYPE = 0x80

SAME_KEY = 0xE
FROZEN = 0xF


def check_change_permission(session: CardSession, settings: int, key_no: int) -> None:
    """Key settings: bit 0 lets the master key change, bits 7-4 name the ChangeKey key."""
    if key_no == 0:
        allowed = session.key_no == 0 and bool(settings & 0x01)
    else:
        change_key_no = settings >> 4
        if change_key_no == SAME_KEY:
            allowed = session.key_no == key_no
        elif change_key_no == FROZEN:
            allowed = False
        else:
            allowed = session.key_no == change_key_no
    if not allowed:
        raise CardStatus(Status.PERMISSION_DENIED)


def _crc_ok(received: bytes, data: bytes) -> bool:
    return hmac.compare_digest(received, crypto.crc32_desfire(data))


def decode_new_key(
    session: CardSession, old: bytes, key_byte: int, body: bytes
) -> tuple[bytes, int]:
    """(new key, version) from the deciphered ChangeKey data, or INTEGRITY_ERROR."""
    same = key_byte & 0x0F == session.key_no
    key_data, version = body[:16], body[16] if len(body) > 16 else 0
    if isinstance(session, Ev1CardSession):
        # EV1: data || CRC32(C4 || KeyNo || data) [|| CRC32(new key)], zero padded to 32 bytes
        if len(body) != 32:
            raise CardStatus(Status.LENGTH_ERROR)
        command = bytes([Cmd.CHANGE_KEY, key_byte]) + body[:17]
        new_key = key_data if same else crypto.xor(key_data, old)
        tail = body[21:] if same else body[25:]
        ok = _crc_ok(body[17:21], command) and not any(tail)
        if not same:
            ok = ok and _crc_ok(body[21:25], new_key)
    else:
        # EV2: data [|| CRC32(new key)], ISO padding already removed by the session
        if len(body) != (17 if same else 21):
            raise CardStatus(Status.LENGTH_ERROR)
        new_key = key_data if same else crypto.xor(key_data, old)
        ok = same or _crc_ok(body[17:21], new_key)
    if not ok:
        raise CardStatus(Status.INTEGRITY_ERROR)
    return new_key, version


def change_key(
    session: CardSession,
    keys: list[KeySlot],
    settings: int,
    key_no: int,
    plain: bytes,
    at_picc: bool,
) -> None:
    """Only the PICC master key may change type (key-type bits of KeyNo); applications keep
    the type they were created with (AES here). Turning a key into DES is not offered."""
    if key_no >= len(keys):
        raise CardStatus(Status.NO_SUCH_KEY)
    check_change_permission(session, settings, key_no)
    key_byte = plain[0]
    if at_picc and key_byte & KEY_TYPE_BITS != AES_TYPE:
        raise CardStatus(Status.PARAMETER_ERROR)
    if isinstance(session, LegacyCardSession):
        new_key, version = decode_legacy_new_key(
            session, keys[key_no].key, key_byte, plain[1:], new_is_aes=True
        )
    else:
        new_key, version = decode_new_key(session, keys[key_no].key, key_byte, plain[1:])
    keys[key_no] = KeySlot(new_key, version, aes=True)
