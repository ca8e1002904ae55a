"""Key identifiers derived from public keys.

A key id names an Ed25519 public key on the wire (terminal request signatures, QR payloads).
Deriving it from the key itself means a terminal or a QR signer can never claim another key's
id, and both sides compute it without a registry: the first 8 bytes of SHA-256 of the raw
32-byte public key, as 16 lowercase hex characters.
"""

from __future__ import annotations

import hashlib

ED25519_PUBLIC_KEY_LEN = 32
KEY_ID_LEN = 16


def key_id_for_public_key(public_key_raw: bytes) -> str:
    """Return the key id of a raw Ed25519 public key."""
    if len(public_key_raw) != ED25519_PUBLIC_KEY_LEN:
        raise ValueError(f"an Ed25519 public key is 32 bytes, got {len(public_key_raw)}")
    return hashlib.sha256(public_key_raw).hexdigest()[:KEY_ID_LEN]
