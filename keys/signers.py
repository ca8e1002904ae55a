"""Ed25519 signers: one in process memory (file keystore), one inside a PKCS#11 token."""

from __future__ import annotations

import threading
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from keys.keyid import ED25519_PUBLIC_KEY_LEN, key_id_for_public_key

ED25519_SIGNATURE_LEN = 64


class SoftwareEd25519Signer:
    """Signs with a private key held in this process (OpenSSL through cryptography)."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self._public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id_for_public_key(self._public)

    def __repr__(self) -> str:
        return f"SoftwareEd25519Signer(key_id={self.key_id})"

    def public_key_raw(self) -> bytes:
        """The raw 32-byte public key."""
        return self._public

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature of the message."""
        return self._private_key.sign(message)


class Pkcs11Ed25519Signer:
    """Signs inside the token with CKM_EDDSA; the private key never leaves it.

    python-pkcs11 sessions are not thread-safe, so every token call holds the keystore's lock.
    """

    def __init__(self, private_key: Any, public_key_raw: bytes, lock: threading.Lock) -> None:
        self._private_key = private_key
        self._public = public_key_raw
        self._lock = lock
        self.key_id = key_id_for_public_key(public_key_raw)

    def __repr__(self) -> str:
        return f"Pkcs11Ed25519Signer(key_id={self.key_id})"

    def public_key_raw(self) -> bytes:
        """The raw 32-byte public key."""
        return self._public

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature computed by the token."""
        from pkcs11 import Mechanism

        with self._lock:
            signature = bytes(self._private_key.sign(message, mechanism=Mechanism.EDDSA))
        if len(signature) != ED25519_SIGNATURE_LEN:
            raise RuntimeError(f"the token returned a {len(signature)}-byte EdDSA signature")
        return signature


def public_key_from_ec_point(ec_point: bytes) -> bytes:
    """Raw Ed25519 public key from CKA_EC_POINT (DER OCTET STRING, or raw on some tokens)."""
    if len(ec_point) == ED25519_PUBLIC_KEY_LEN:
        return ec_point
    if len(ec_point) == ED25519_PUBLIC_KEY_LEN + 2 and ec_point[:2] == b"\x04\x20":
        return ec_point[2:]
    raise ValueError(f"unexpected CKA_EC_POINT for an Ed25519 key ({len(ec_point)} bytes)")
