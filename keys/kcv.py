"""Key check values.

The KCV of an AES key is the AES-CMAC of one zero block, leftmost 3 bytes, as 6 upper-case
hex characters (the convention of current payment HSMs; the legacy "encrypt a zero block" KCV
would leak a known plaintext/ciphertext pair of the key). A KCV identifies a key to a human and
catches typing errors in key components without revealing the key.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC

from keys.errors import KcvMismatchError

AES_BLOCK = 16
KCV_LEN = 3
AES128_KEY_LEN = 16


def kcv_from_cmac(cmac_of_zero_block: bytes) -> str:
    """Format a CMAC of the zero block (computed anywhere, e.g. in an HSM) as a KCV."""
    return cmac_of_zero_block[:KCV_LEN].hex().upper()


def aes_kcv(key: bytes) -> str:
    """Return the KCV of an AES key: CMAC(key, 16 zero bytes)[:3] as 6 upper-case hex."""
    if len(key) not in (16, 24, 32):
        raise ValueError(f"an AES key is 16, 24 or 32 bytes, got {len(key)}")
    mac = CMAC(algorithms.AES(key))
    mac.update(bytes(AES_BLOCK))
    return kcv_from_cmac(mac.finalize())


def normalise_kcv(text: str) -> str:
    """Return a KCV typed by a person in canonical form, or raise ValueError."""
    cleaned = text.strip().replace(" ", "").upper()
    if len(cleaned) != 2 * KCV_LEN or any(c not in "0123456789ABCDEF" for c in cleaned):
        raise ValueError(f"a KCV is {2 * KCV_LEN} hex digits, got {text!r}")
    return cleaned


def check_kcv(what: str, expected: str, actual: str) -> None:
    """Raise KcvMismatchError unless the two KCVs are equal."""
    if not hmac.compare_digest(normalise_kcv(expected), normalise_kcv(actual)):
        raise KcvMismatchError(f"KCV mismatch for {what}: expected {expected}, computed {actual}")
