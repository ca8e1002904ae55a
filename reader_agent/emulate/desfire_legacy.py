"""Card side of native DES/2K3DES authentication (0A), as a factory-fresh card needs it.

Real DESFire EV1/EV2/EV3 leave the factory with a DES all-zero PICC master key; the first
thing personalisation does is authenticate with it (0A) and change it to an AES key (C4 with
key-type bits 10). The legacy session offers no MACing: commands and answers are plain, and
only ChangeKey is enciphered, in "send mode" (the reader deciphers, the card enciphers), with
CRC16 (CRC_A) and a zero IV for every command (libfreefare mifare_desfire_crypto.c, AS_LEGACY).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from reader_agent.cards import crypto
from reader_agent.cards.desfire_protocol import CommMode, Status
from reader_agent.emulate.desfire_card_sm import CardSession, CardStatus


class LegacyCardSession(CardSession):
    def __init__(self, key_no: int, session_key: bytes) -> None:
        self.key_no = key_no
        self.session_key = session_key

    def open_command(self, cmd: int, params: bytes, mode: CommMode, header_len: int) -> bytes:
        if mode is CommMode.PLAIN:
            return params
        if mode is CommMode.MAC:
            # 4-byte DES MACs of legacy files are not offered: purse files are AES-only
            raise CardStatus(Status.PERMISSION_DENIED)
        header, body = params[:header_len], params[header_len:]
        if not body or len(body) % crypto.DES_BLOCK:
            raise CardStatus(Status.LENGTH_ERROR)
        return header + crypto.legacy_receive(self.session_key, body)

    def close_response(self, data: bytes, mode: CommMode) -> bytes:
        if mode is not CommMode.PLAIN:
            raise CardStatus(Status.PERMISSION_DENIED)
        return data


@dataclass
class PendingLegacyHandshake:
    key_no: int
    key: bytes
    rnd_b: bytes


def start_legacy_handshake(
    key_no: int, key: bytes, random: Callable[[int], bytes]
) -> tuple[PendingLegacyHandshake, bytes]:
    rnd_b = random(crypto.DES_BLOCK)
    return PendingLegacyHandshake(key_no, key, rnd_b), crypto.tdes_encrypt_block(key, rnd_b)


def finish_legacy_handshake(
    pending: PendingLegacyHandshake, token: bytes, random: Callable[[int], bytes]
) -> tuple[CardSession, bytes]:
    """Check d(RndA) || d(RndB' xor d(RndA)) and answer e(RndA')."""
    if len(token) != 2 * crypto.DES_BLOCK:
        raise CardStatus(Status.LENGTH_ERROR)
    plain = crypto.legacy_receive(pending.key, token)
    rnd_a, rnd_b_rotated = plain[:8], plain[8:]
    if not hmac.compare_digest(rnd_b_rotated, crypto.rotl1(pending.rnd_b)):
        raise CardStatus(Status.AUTHENTICATION_ERROR)
    answer = crypto.tdes_encrypt_block(pending.key, crypto.rotl1(rnd_a))
    session_key = crypto.legacy_session_key(pending.key, rnd_a, pending.rnd_b)
    return LegacyCardSession(pending.key_no, session_key), answer


def decode_legacy_new_key(
    session: LegacyCardSession, old: bytes, key_byte: int, body: bytes, new_is_aes: bool
) -> tuple[bytes, int]:
    """(new key, version) of a legacy ChangeKey cryptogram, or INTEGRITY_ERROR.

    Deciphered body: key data(16) [|| version(1) for AES] || CRC16(key data [|| version])
    [|| CRC16(new key) when another key is changed] || zero padding (libfreefare
    mifare_desfire_change_key, case AS_LEGACY).
    """
    same = key_byte & 0x0F == session.key_no
    data_len = 17 if new_is_aes else 16
    crc_end = data_len + 2 + (0 if same else 2)
    if len(body) != -(-crc_end // crypto.DES_BLOCK) * crypto.DES_BLOCK:
        raise CardStatus(Status.LENGTH_ERROR)
    key_data = body[:16]
    new_key = key_data if same else crypto.xor(key_data, old)
    ok = hmac.compare_digest(body[data_len : data_len + 2],
                             crypto.crc16_iso14443a(body[:data_len]))  # fmt: skip
    if not same:
        ok = ok and hmac.compare_digest(body[data_len + 2 : crc_end],
                                        crypto.crc16_iso14443a(new_key))  # fmt: skip
    if not ok or any(body[crc_end:]):
        raise CardStatus(Status.INTEGRITY_ERROR)
    return new_key, body[16] if new_is_aes else 0
