"""AES primitives of DESFire secure messaging (EV1 and EV2), shared by the client and the emulator.

CMAC is NIST SP 800-38B, but DESFire EV1 chains it through a running IV (the previous CMAC), which
the `cryptography` CMAC object cannot do, so the CBC-MAC core is written here over AES-CBC.
"""

from __future__ import annotations

import zlib

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16
ZERO_BLOCK = bytes(BLOCK)


def aes_ecb_encrypt(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def aes_cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    if len(data) % BLOCK:
        raise ValueError("CBC input must be a whole number of blocks")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    if len(data) % BLOCK:
        raise ValueError("CBC input must be a whole number of blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _double(block: bytes) -> bytes:
    """Multiplication by x in GF(2^128), the CMAC subkey step."""
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value = (value & ((1 << 128) - 1)) ^ 0x87
    return value.to_bytes(BLOCK, "big")


def cmac_subkeys(key: bytes) -> tuple[bytes, bytes]:
    k1 = _double(aes_ecb_encrypt(key, ZERO_BLOCK))
    return k1, _double(k1)


def cmac(key: bytes, data: bytes, iv: bytes = ZERO_BLOCK) -> bytes:
    """AES-CMAC of `data`, CBC-chained from `iv` (all-zero IV gives the standard CMAC)."""
    k1, k2 = cmac_subkeys(key)
    if data and len(data) % BLOCK == 0:
        last = xor(data[-BLOCK:], k1)
        body = data[:-BLOCK]
    else:
        cut = len(data) - len(data) % BLOCK
        last = xor(pad_iso9797_m2(data[cut:]), k2)
        body = data[:cut]
    return aes_cbc_encrypt(key, iv, body + last)[-BLOCK:]


def pad_iso9797_m2(data: bytes) -> bytes:
    """Pad with 80 00.. to a whole number of blocks (always adds at least one byte)."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % BLOCK)


def unpad_iso9797_m2(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80 or len(data) - len(stripped) >= BLOCK:
        raise ValueError("bad ISO 9797-1 method 2 padding")
    return stripped[:-1]


def pad_zeros(data: bytes) -> bytes:
    return data + bytes(-len(data) % BLOCK)


def rotl1(data: bytes) -> bytes:
    return data[1:] + data[:1]


def crc32_desfire(data: bytes) -> bytes:
    """DESFire CRC32: the IEEE polynomial without the final inversion, little-endian."""
    return ((zlib.crc32(data) ^ 0xFFFFFFFF) & 0xFFFFFFFF).to_bytes(4, "little")


def ev1_session_key(rnd_a: bytes, rnd_b: bytes) -> bytes:
    """AES session key of EV1 native authentication (command AA)."""
    return rnd_a[0:4] + rnd_b[0:4] + rnd_a[12:16] + rnd_b[12:16]


def ev2_session_keys(key: bytes, rnd_a: bytes, rnd_b: bytes) -> tuple[bytes, bytes]:
    """(KSesAuthENC, KSesAuthMAC) of AuthenticateEV2First, from the SV1/SV2 vectors."""
    context = rnd_a[0:2] + xor(rnd_a[2:8], rnd_b[0:6]) + rnd_b[6:16] + rnd_a[8:16]
    sv1 = bytes.fromhex("A55A00010080") + context
    sv2 = bytes.fromhex("5AA500010080") + context
    return cmac(key, sv1), cmac(key, sv2)


def ev2_mac_t(mac_key: bytes, data: bytes) -> bytes:
    """EV2 truncated MAC: the odd-indexed bytes of the CMAC."""
    return cmac(mac_key, data)[1::2]


def ev2_iv(enc_key: bytes, label: bytes, ti: bytes, counter: int) -> bytes:
    """IV for EV2 full-mode data: label A55A (command) or 5AA5 (response), TI, CmdCtr."""
    block = label + ti + counter.to_bytes(2, "little") + bytes(8)
    return aes_ecb_encrypt(enc_key, block)


# --- DES / 2K3DES: only what a factory-fresh card needs (its PICC master key is a DES zero key) ---
DES_BLOCK = 8


def _tdes(key: bytes) -> Cipher[modes.ECB]:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES

    if len(key) not in (8, 16):
        raise ValueError("a DES key is 8 bytes, a 2K3DES key 16")
    # 3-key form: K1 K2 K1 (2K3DES), K K K (DES); DESFire treats K1 == K2 as single DES.
    full = key * 3 if len(key) == 8 else key + key[:8]
    return Cipher(TripleDES(full), modes.ECB())


def tdes_encrypt_block(key: bytes, block: bytes) -> bytes:
    encryptor = _tdes(key).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def tdes_decrypt_block(key: bytes, block: bytes) -> bytes:
    decryptor = _tdes(key).decryptor()
    return decryptor.update(block) + decryptor.finalize()


def legacy_send(key: bytes, data: bytes) -> bytes:
    """DESFire native (0A) "send mode": the reader *deciphers*, C_i = D(P_i xor C_i-1), IV 0.

    libfreefare mifare_desfire_crypto.c, mifare_cbc_des(..., MCD_SEND, MCO_DECYPHER) with the
    IV reset to zero for every legacy (AS_LEGACY) operation.
    """
    if len(data) % DES_BLOCK:
        raise ValueError("legacy input must be whole 8-byte blocks")
    out, chain = b"", bytes(DES_BLOCK)
    for i in range(0, len(data), DES_BLOCK):
        chain = tdes_decrypt_block(key, xor(data[i : i + DES_BLOCK], chain))
        out += chain
    return out


def legacy_receive(key: bytes, data: bytes) -> bytes:
    """The card's inverse of legacy_send: P_i = E(C_i) xor C_i-1."""
    if len(data) % DES_BLOCK:
        raise ValueError("legacy input must be whole 8-byte blocks")
    out, chain = b"", bytes(DES_BLOCK)
    for i in range(0, len(data), DES_BLOCK):
        block = data[i : i + DES_BLOCK]
        out += xor(tdes_encrypt_block(key, block), chain)
        chain = block
    return out


def legacy_session_key(key: bytes, rnd_a: bytes, rnd_b: bytes) -> bytes:
    """Session key of native DES/2K3DES authentication (libfreefare mifare_desfire_session_key_new):
    DES (K1 == K2) RndA[0:4] RndB[0:4]; 2K3DES adds RndA[4:8] RndB[4:8]."""
    head = rnd_a[0:4] + rnd_b[0:4]
    return head if key[:8] == key[8:16] else head + rnd_a[4:8] + rnd_b[4:8]


def crc16_iso14443a(data: bytes) -> bytes:
    """CRC_A of ISO/IEC 14443-3 (init 6363, reflected 8408), little-endian: the legacy CRC."""
    crc = 0x6363
    for byte in data:
        byte ^= crc & 0xFF
        byte = (byte ^ (byte << 4)) & 0xFF
        crc = (crc >> 8) ^ (byte << 8) ^ (byte << 3) ^ (byte >> 4)
    return crc.to_bytes(2, "little")
