"""NXP AN10922 AES-128 key diversification.

The diversified key is a CMAC-like computation with a twist that a plain CMAC library gets wrong:
the input M = 0x01 || UID || AID || SystemID is always padded to 32 bytes (two blocks), and
subkey K2 is XORed into the last block when padding was added (K1 when M was exactly 32 bytes);
the key is then the CBC-MAC (IV zero) of those two blocks. The steps are split so an HSM
can run the two AES steps inside the token (an ECB encryption of the zero block for the
subkeys, a CBC encryption of the two blocks) while this module does the XOR and padding.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

AES_BLOCK = 16
DIV_CONSTANT_AES128 = 0x01
DIV_INPUT_LEN = 2 * AES_BLOCK
MAX_DIV_DATA = DIV_INPUT_LEN - 1  # the constant byte takes one of the 32
_RB = 0x87  # the CMAC constant for 128-bit blocks (NIST SP 800-38B)


def _double(block: bytes) -> bytes:
    """Multiply by x in GF(2^128), the CMAC subkey step."""
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value = (value & ((1 << 128) - 1)) ^ _RB
    return value.to_bytes(AES_BLOCK, "big")


def cmac_subkeys(encrypted_zero_block: bytes) -> tuple[bytes, bytes]:
    """Return (K1, K2) from L = AES(K, 0^128)."""
    if len(encrypted_zero_block) != AES_BLOCK:
        raise ValueError("L must be one AES block")
    k1 = _double(encrypted_zero_block)
    return k1, _double(k1)


def diversification_input(uid: bytes, aid: bytes, system_id: bytes) -> bytes:
    """Return M = 0x01 || UID || AID || SystemID, checking the AN10922 length limits."""
    if not uid:
        raise ValueError("the card UID is empty")
    if len(aid) != 3:
        raise ValueError(f"a DESFire AID is 3 bytes, got {len(aid)}")
    data = uid + aid + system_id
    if len(data) > MAX_DIV_DATA:
        raise ValueError(f"UID || AID || SystemID is at most {MAX_DIV_DATA} bytes, got {len(data)}")
    return bytes([DIV_CONSTANT_AES128]) + data


def padded_blocks(message: bytes, k1: bytes, k2: bytes) -> bytes:
    """Pad M to two blocks (80 00..) and XOR K2 (padded) or K1 (full) into the last block."""
    if len(message) == DIV_INPUT_LEN:
        padded, subkey = message, k1
    else:
        padded = (message + b"\x80").ljust(DIV_INPUT_LEN, b"\x00")
        subkey = k2
    last = bytes(a ^ b for a, b in zip(padded[AES_BLOCK:], subkey, strict=True))
    return padded[:AES_BLOCK] + last


def aes_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    """AES-ECB encryption of whole blocks (used for L = AES(K, 0))."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def aes_cbc_last_block(key: bytes, data: bytes) -> bytes:
    """The last block of AES-CBC with a zero IV: a CBC-MAC."""
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(AES_BLOCK))).encryptor()
    return (encryptor.update(data) + encryptor.finalize())[-AES_BLOCK:]


def an10922_aes128(master_key: bytes, uid: bytes, aid: bytes, system_id: bytes) -> bytes:
    """Derive the per-card AES-128 key from a master key (pure software)."""
    if len(master_key) != AES_BLOCK:
        raise ValueError(f"an AES-128 master key is 16 bytes, got {len(master_key)}")
    k1, k2 = cmac_subkeys(aes_ecb_encrypt(master_key, bytes(AES_BLOCK)))
    blocks = padded_blocks(diversification_input(uid, aid, system_id), k1, k2)
    return aes_cbc_last_block(master_key, blocks)
