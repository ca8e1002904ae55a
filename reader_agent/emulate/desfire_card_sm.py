"""Card side of DESFire AES authentication and secure messaging (the mirror of cards.desfire_sm).

The handshakes are resumable state machines because the reader's second frame (AF) arrives as a
separate command. Failures raise CardStatus, which the card turns into its status byte.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from reader_agent.cards import crypto
from reader_agent.cards.desfire_protocol import CommMode, Status

MAC_LEN = 8


class CardStatus(Exception):
    def __init__(self, status: Status) -> None:
        self.status = status
        super().__init__(status.name)


class CardSession:
    """An authenticated session, as the card keeps it."""

    key_no: int

    def open_command(self, cmd: int, params: bytes, mode: CommMode, header_len: int) -> bytes:
        """Check the command's MAC / decipher it; return header || plain data."""
        raise NotImplementedError

    def close_response(self, data: bytes, mode: CommMode) -> bytes:
        """MAC / encipher an OK answer."""
        raise NotImplementedError


def _verify(received: bytes, expected: bytes) -> None:
    if not hmac.compare_digest(received, expected):
        raise CardStatus(Status.INTEGRITY_ERROR)


class Ev1CardSession(CardSession):
    def __init__(self, key_no: int, session_key: bytes) -> None:
        self.key_no = key_no
        self._key = session_key
        self._iv = crypto.ZERO_BLOCK

    def open_command(self, cmd: int, params: bytes, mode: CommMode, header_len: int) -> bytes:
        if mode is CommMode.FULL:
            header, body = params[:header_len], params[header_len:]
            if not body or len(body) % crypto.BLOCK:
                raise CardStatus(Status.LENGTH_ERROR)
            plain = crypto.aes_cbc_decrypt(self._key, self._iv, body)
            self._iv = body[-crypto.BLOCK :]
            return header + plain  # zero padded; the command checks its CRCs
        if mode is CommMode.MAC:
            if len(params) < MAC_LEN + header_len:
                raise CardStatus(Status.LENGTH_ERROR)
            params, mac = params[:-MAC_LEN], params[-MAC_LEN:]
        expected = crypto.cmac(self._key, bytes([cmd]) + params, self._iv)
        self._iv = expected
        if mode is CommMode.MAC:
            _verify(mac, expected[:MAC_LEN])
        return params

    def close_response(self, data: bytes, mode: CommMode) -> bytes:
        mac = crypto.cmac(self._key, data + bytes([Status.OK]), self._iv)
        self._iv = mac
        return data + mac[:MAC_LEN]


class Ev2CardSession(CardSession):
    def __init__(self, key_no: int, enc: bytes, mac: bytes, ti: bytes) -> None:
        self.key_no = key_no
        self._enc = enc
        self._mac = mac
        self.ti = ti
        self.counter = 0

    def open_command(self, cmd: int, params: bytes, mode: CommMode, header_len: int) -> bytes:
        if mode is CommMode.PLAIN:
            return params
        if len(params) < MAC_LEN + header_len or self.counter >= 0xFFFF:
            raise CardStatus(Status.LENGTH_ERROR)
        body, mac = params[:-MAC_LEN], params[-MAC_LEN:]
        mac_input = bytes([cmd]) + self.counter.to_bytes(2, "little") + self.ti + body
        _verify(mac, crypto.ev2_mac_t(self._mac, mac_input))
        if mode is CommMode.MAC or len(body) == header_len:
            return body
        header, encrypted = body[:header_len], body[header_len:]
        if len(encrypted) % crypto.BLOCK:
            raise CardStatus(Status.LENGTH_ERROR)
        iv = crypto.ev2_iv(self._enc, b"\xa5\x5a", self.ti, self.counter)
        try:
            return header + crypto.unpad_iso9797_m2(
                crypto.aes_cbc_decrypt(self._enc, iv, encrypted)
            )
        except ValueError as exc:
            raise CardStatus(Status.INTEGRITY_ERROR) from exc

    def close_response(self, data: bytes, mode: CommMode) -> bytes:
        self.counter += 1
        if mode is CommMode.PLAIN:
            return data
        if mode is CommMode.FULL and data:
            iv = crypto.ev2_iv(self._enc, b"\x5a\xa5", self.ti, self.counter)
            data = crypto.aes_cbc_encrypt(self._enc, iv, crypto.pad_iso9797_m2(data))
        mac_input = bytes([Status.OK]) + self.counter.to_bytes(2, "little") + self.ti + data
        return data + crypto.ev2_mac_t(self._mac, mac_input)


@dataclass
class PendingHandshake:
    """First half of an authentication, waiting for the reader's AF frame."""

    ev2: bool
    key_no: int
    key: bytes
    rnd_b: bytes
    enc_rnd_b: bytes


def start_handshake(
    ev2: bool, key_no: int, key: bytes, random: Callable[[int], bytes]
) -> tuple[PendingHandshake, bytes]:
    rnd_b = random(crypto.BLOCK)
    enc_rnd_b = crypto.aes_cbc_encrypt(key, crypto.ZERO_BLOCK, rnd_b)
    return PendingHandshake(ev2, key_no, key, rnd_b, enc_rnd_b), enc_rnd_b


def finish_handshake(
    pending: PendingHandshake, token: bytes, random: Callable[[int], bytes]
) -> tuple[CardSession, bytes]:
    """Check E(RndA || RndB') and answer E(RndA') (EV1) or E(TI || RndA' || caps) (EV2)."""
    if len(token) != 2 * crypto.BLOCK:
        raise CardStatus(Status.LENGTH_ERROR)
    iv = crypto.ZERO_BLOCK if pending.ev2 else pending.enc_rnd_b
    plain = crypto.aes_cbc_decrypt(pending.key, iv, token)
    rnd_a, rnd_b_rotated = plain[:16], plain[16:]
    if not hmac.compare_digest(rnd_b_rotated, crypto.rotl1(pending.rnd_b)):
        raise CardStatus(Status.AUTHENTICATION_ERROR)
    if not pending.ev2:
        answer = crypto.aes_cbc_encrypt(pending.key, token[-16:], crypto.rotl1(rnd_a))
        session_key = crypto.ev1_session_key(rnd_a, pending.rnd_b)
        return Ev1CardSession(pending.key_no, session_key), answer
    ti = random(4)
    caps = bytes(12)  # PDcap2 || PCDcap2, all zero as on a card without special features
    answer = crypto.aes_cbc_encrypt(pending.key, crypto.ZERO_BLOCK, ti + crypto.rotl1(rnd_a) + caps)
    enc, mac = crypto.ev2_session_keys(pending.key, rnd_a, pending.rnd_b)
    return Ev2CardSession(pending.key_no, enc, mac, ti), answer
