"""Reader side of DESFire mutual authentication: EV1 AES (AA), EV2First (71) and the native
DES/2K3DES one (0A) that a factory-fresh PICC master key needs."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from reader_agent.cards import crypto
from reader_agent.cards.desfire_protocol import Cmd, DesfireError, DesfireProtocolError, Status
from reader_agent.cards.desfire_sm import Ev1Channel, Ev2Channel, LegacyChannel

# (command, params) -> (status, data): one raw frame exchange, no secure messaging
FrameExchange = Callable[[int, bytes], tuple[int, bytes]]
RandomSource = Callable[[int], bytes]


def _first_step(
    exchange: FrameExchange, cmd: Cmd, params: bytes, key: bytes
) -> tuple[bytes, bytes]:
    """Send the auth command; return (E(RndB) as received, RndB)."""
    status, data = exchange(cmd, params)
    if status != Status.ADDITIONAL_FRAME:
        raise DesfireError(cmd, status)
    if len(data) != crypto.BLOCK:
        raise DesfireProtocolError("authentication: E(RndB) must be 16 bytes")
    return data, crypto.aes_cbc_decrypt(key, crypto.ZERO_BLOCK, data)


def _check_rnd_a(received: bytes, rnd_a: bytes) -> None:
    if not hmac.compare_digest(received, crypto.rotl1(rnd_a)):
        raise DesfireProtocolError("authentication: the card did not prove it knows the key")


def authenticate_ev1(
    exchange: FrameExchange, key_no: int, key: bytes, random: RandomSource
) -> Ev1Channel:
    """EV1 AES authentication; IVs chain through the ciphertexts of the handshake."""
    enc_rnd_b, rnd_b = _first_step(exchange, Cmd.AUTHENTICATE_AES, bytes([key_no]), key)
    rnd_a = random(crypto.BLOCK)
    token = crypto.aes_cbc_encrypt(key, enc_rnd_b, rnd_a + crypto.rotl1(rnd_b))
    status, data = exchange(Cmd.ADDITIONAL_FRAME, token)
    if status != Status.OK:
        raise DesfireError(Cmd.AUTHENTICATE_AES, status)
    if len(data) != crypto.BLOCK:
        raise DesfireProtocolError("authentication: E(RndA') must be 16 bytes")
    _check_rnd_a(crypto.aes_cbc_decrypt(key, token[-crypto.BLOCK :], data), rnd_a)
    return Ev1Channel(crypto.ev1_session_key(rnd_a, rnd_b))


def authenticate_ev2_first(
    exchange: FrameExchange, key_no: int, key: bytes, random: RandomSource
) -> Ev2Channel:
    """AuthenticateEV2First (AN12196 §6.6): all IVs zero, card returns TI || RndA' || caps."""
    _, rnd_b = _first_step(exchange, Cmd.AUTHENTICATE_EV2_FIRST, bytes([key_no, 0x00]), key)
    rnd_a = random(crypto.BLOCK)
    token = crypto.aes_cbc_encrypt(key, crypto.ZERO_BLOCK, rnd_a + crypto.rotl1(rnd_b))
    status, data = exchange(Cmd.ADDITIONAL_FRAME, token)
    if status != Status.OK:
        raise DesfireError(Cmd.AUTHENTICATE_EV2_FIRST, status)
    if len(data) != 2 * crypto.BLOCK:
        raise DesfireProtocolError("authentication: EV2First answer must be 32 bytes")
    plain = crypto.aes_cbc_decrypt(key, crypto.ZERO_BLOCK, data)
    _check_rnd_a(plain[4:20], rnd_a)
    enc_key, mac_key = crypto.ev2_session_keys(key, rnd_a, rnd_b)
    return Ev2Channel(enc_key, mac_key, ti=plain[0:4])


def authenticate_legacy(
    exchange: FrameExchange, key_no: int, key: bytes, random: RandomSource
) -> LegacyChannel:
    """Native DES/2K3DES authentication (libfreefare mifare_desfire_authenticate, cmd 0x0A):
    RndB = d(E(RndB)); send d(RndA) || d(RndB' xor d(RndA)); the card answers e(RndA')."""
    status, enc_rnd_b = exchange(Cmd.AUTHENTICATE_LEGACY, bytes([key_no]))
    if status != Status.ADDITIONAL_FRAME:
        raise DesfireError(Cmd.AUTHENTICATE_LEGACY, status)
    if len(enc_rnd_b) != crypto.DES_BLOCK:
        raise DesfireProtocolError("authentication: E(RndB) must be 8 bytes for a DES key")
    rnd_b = crypto.tdes_decrypt_block(key, enc_rnd_b)
    rnd_a = random(crypto.DES_BLOCK)
    token = crypto.legacy_send(key, rnd_a + crypto.rotl1(rnd_b))
    status, data = exchange(Cmd.ADDITIONAL_FRAME, token)
    if status != Status.OK:
        raise DesfireError(Cmd.AUTHENTICATE_LEGACY, status)
    if len(data) != crypto.DES_BLOCK:
        raise DesfireProtocolError("authentication: E(RndA') must be 8 bytes")
    _check_rnd_a(crypto.tdes_decrypt_block(key, data), rnd_a)
    return LegacyChannel(crypto.legacy_session_key(key, rnd_a, rnd_b))
