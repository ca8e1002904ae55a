"""Reader-side DESFire secure messaging: what wraps a command and checks its answer.

A channel exists per authentication. EV1 (AES, command AA) keeps a running CMAC IV over every
command and answer; EV2 (AuthenticateEV2First) MACs `Cmd || CmdCtr || TI || data` and counts
commands. `mode` is the DESFire communication mode of the command (PLAIN / MAC / FULL).
"""

from __future__ import annotations

import hmac
from typing import Protocol

from reader_agent.cards import crypto
from reader_agent.cards.desfire_protocol import CommMode, DesfireProtocolError

MAC_LEN = 8


class SecureChannel(Protocol):
    def wrap(self, cmd: int, header: bytes, data: bytes, mode: CommMode) -> bytes:
        """Native parameters to send for `cmd header data`."""
        ...

    def unwrap(self, status: int, data: bytes, mode: CommMode) -> bytes:
        """Plain response data of an OK answer, after checking its MAC / decrypting it."""
        ...


class PlainChannel:
    """No authentication: frames travel as they are."""

    def wrap(self, cmd: int, header: bytes, data: bytes, mode: CommMode) -> bytes:
        return header + data

    def unwrap(self, status: int, data: bytes, mode: CommMode) -> bytes:
        return data


def _check_mac(received: bytes, expected: bytes) -> None:
    if not hmac.compare_digest(received, expected):
        raise DesfireProtocolError("response MAC does not verify")


class Ev1Channel:
    """EV1 AES session: CMAC over every frame, IV = the previous CMAC (or last cipher block)."""

    def __init__(self, session_key: bytes) -> None:
        self._key = session_key
        self._iv = crypto.ZERO_BLOCK

    def wrap(self, cmd: int, header: bytes, data: bytes, mode: CommMode) -> bytes:
        """EV1 secures command *data* only: a command without data (GetValue, ReadData, Commit)
        goes plain whatever the file's mode, its CMAC computed only to advance the IV; the
        card's answer carries the MAC (libfreefare mifare_desfire.c: get_value sends
        MDCM_PLAIN | CMAC_COMMAND, credit/debit send cs | MAC_COMMAND | CMAC_COMMAND)."""
        if mode is CommMode.FULL and data:
            crc = crypto.crc32_desfire(bytes([cmd]) + header + data)
            return header + self.encrypt_raw(data + crc)
        mac = crypto.cmac(self._key, bytes([cmd]) + header + data, self._iv)
        self._iv = mac
        return header + data + (mac[:MAC_LEN] if mode is CommMode.MAC and data else b"")

    def encrypt_raw(self, plaintext: bytes) -> bytes:
        """Zero-padded CBC under the running IV (ChangeKey builds its own CRCs)."""
        encrypted = crypto.aes_cbc_encrypt(self._key, self._iv, crypto.pad_zeros(plaintext))
        self._iv = encrypted[-crypto.BLOCK :]
        return encrypted

    def unwrap(self, status: int, data: bytes, mode: CommMode) -> bytes:
        if mode is CommMode.FULL and len(data) > MAC_LEN:
            raise DesfireProtocolError("enciphered EV1 responses with data are not used here")
        if len(data) < MAC_LEN:
            raise DesfireProtocolError("EV1 response lacks its CMAC")
        body, mac = data[:-MAC_LEN], data[-MAC_LEN:]
        expected = crypto.cmac(self._key, body + bytes([status]), self._iv)
        self._iv = expected
        _check_mac(mac, expected[:MAC_LEN])
        return body


class LegacyChannel:
    """Native DES/2K3DES session (0A): no MACs; only ChangeKey is enciphered, in send mode."""

    def __init__(self, session_key: bytes) -> None:
        self.session_key = session_key

    def wrap(self, cmd: int, header: bytes, data: bytes, mode: CommMode) -> bytes:
        if mode is not CommMode.PLAIN:
            raise DesfireProtocolError("a legacy DES session is used for plain commands only")
        return header + data

    def unwrap(self, status: int, data: bytes, mode: CommMode) -> bytes:
        return data

    def encipher_raw(self, plaintext: bytes) -> bytes:
        """Zero-padded, legacy send mode (the reader deciphers), IV zero per command."""
        padded = plaintext + bytes(-len(plaintext) % crypto.DES_BLOCK)
        return crypto.legacy_send(self.session_key, padded)


class Ev2Channel:
    """EV2 session: KSesAuthENC / KSesAuthMAC, transaction identifier TI and command counter."""

    def __init__(self, enc_key: bytes, mac_key: bytes, ti: bytes, counter: int = 0) -> None:
        self._enc = enc_key
        self._mac = mac_key
        self.ti = ti
        self.counter = counter

    def wrap(self, cmd: int, header: bytes, data: bytes, mode: CommMode) -> bytes:
        if self.counter >= 0xFFFF:
            raise DesfireProtocolError("EV2 command counter exhausted: authenticate again")
        if mode is CommMode.FULL and data:
            iv = crypto.ev2_iv(self._enc, b"\xa5\x5a", self.ti, self.counter)
            data = crypto.aes_cbc_encrypt(self._enc, iv, crypto.pad_iso9797_m2(data))
        if mode is CommMode.PLAIN:
            return header + data
        mac_input = bytes([cmd]) + self.counter.to_bytes(2, "little") + self.ti + header + data
        return header + data + crypto.ev2_mac_t(self._mac, mac_input)

    def unwrap(self, status: int, data: bytes, mode: CommMode) -> bytes:
        self.counter += 1
        if mode is CommMode.PLAIN:
            return data
        if len(data) < MAC_LEN:
            raise DesfireProtocolError("EV2 response lacks its MAC")
        body, mac = data[:-MAC_LEN], data[-MAC_LEN:]
        mac_input = bytes([status]) + self.counter.to_bytes(2, "little") + self.ti + body
        _check_mac(mac, crypto.ev2_mac_t(self._mac, mac_input))
        if mode is CommMode.FULL and body:
            iv = crypto.ev2_iv(self._enc, b"\x5a\xa5", self.ti, self.counter)
            try:
                return crypto.unpad_iso9797_m2(crypto.aes_cbc_decrypt(self._enc, iv, body))
            except ValueError as exc:
                raise DesfireProtocolError(str(exc)) from exc
        return body
