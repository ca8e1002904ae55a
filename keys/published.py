"""The published set of valid public keys, for offline validators (gates, kiosks).

JSON with the key entries in a canonical body, a SHA-256 fingerprint of that body and,
when exported with a key-set signing key, an Ed25519 signature over it. A validator always
checks the fingerprint (a damaged or hand-edited file is refused) and, when it is configured
with trusted signer keys, requires a valid signature by one of them (a forged file is refused).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from keys.errors import PublishedKeysetError
from keys.keyid import key_id_for_public_key
from keys.keyring import Keyring, KeyringEntry, VerifyOutcome
from keys.keystore import Ed25519Signer

FORMAT = "cardkeys-public-keyset/1"
_SIGNING_CONTEXT = FORMAT.encode() + b"\n"
MAX_KEYSET_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class PublishedKeyset:
    """A loaded key set: when it was issued, who signed it, and the keys."""

    issued_at: int
    signed_by: str | None
    keyring: Keyring


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _entry_json(entry: KeyringEntry) -> dict[str, Any]:
    return {"key_id": entry.key_id, "public_key": entry.public_key.hex(),
            "purpose": entry.purpose, "not_before": entry.not_before,
            "not_after": entry.not_after, "revoked_at": entry.revoked_at}


def export_keyset(
    entries: Sequence[KeyringEntry], issued_at: int, signer: Ed25519Signer | None = None
) -> str:
    """The JSON text of a key set, fingerprinted and optionally signed."""
    body = {"format": FORMAT, "issued_at": issued_at,
            "keys": [_entry_json(e) for e in sorted(entries, key=lambda e: e.key_id)]}
    canonical = _canonical(body)
    document: dict[str, Any] = {
        "body": body,
        "fingerprint": "sha256:" + hashlib.sha256(canonical).hexdigest(),
        "signature": None,
    }
    if signer is not None:
        value = signer.sign(_SIGNING_CONTEXT + canonical)
        document["signature"] = {"alg": "ed25519", "key_id": signer.key_id,
                                 "value": base64.b64encode(value).decode("ascii")}
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def _parse_entry(data: Mapping[str, Any]) -> KeyringEntry:
    return KeyringEntry(
        key_id=str(data["key_id"]), public_key=bytes.fromhex(data["public_key"]),
        purpose=str(data["purpose"]), not_before=int(data["not_before"]),
        not_after=None if data["not_after"] is None else int(data["not_after"]),
        revoked_at=None if data["revoked_at"] is None else int(data["revoked_at"]),
    )


def _check_signature(
    signature: Any, canonical: bytes, trusted: Mapping[str, bytes], now: int
) -> str:
    if not isinstance(signature, dict):
        raise PublishedKeysetError("the key set is not signed, and a signature is required")
    key_id = str(signature.get("key_id"))
    public = trusted.get(key_id)
    if public is None or key_id_for_public_key(public) != key_id:
        raise PublishedKeysetError(f"the key set is signed by {key_id}, not a trusted signer")
    value = base64.b64decode(str(signature.get("value")), validate=True)
    ring = Keyring([KeyringEntry(key_id, public, "keyset", 0)])
    if ring.verify(key_id, _SIGNING_CONTEXT + canonical, value, now) is not VerifyOutcome.OK:
        raise PublishedKeysetError("the key set's signature is not valid: it was altered")
    return key_id


def load_keyset(
    text: str | bytes, *, trusted_signers: Mapping[str, bytes] | None = None, now: int = 0
) -> PublishedKeyset:
    """Parse and check a published key set; raise PublishedKeysetError if it fails."""
    if len(text) > MAX_KEYSET_BYTES:
        raise PublishedKeysetError("the key set file is too large")
    try:
        document = json.loads(text)
        body, fingerprint = document["body"], str(document["fingerprint"])
        if body.get("format") != FORMAT:
            raise PublishedKeysetError(f"not a {FORMAT} document")
        canonical = _canonical(body)
        expected = "sha256:" + hashlib.sha256(canonical).hexdigest()
        if not hmac.compare_digest(expected, fingerprint):
            raise PublishedKeysetError("the key set's fingerprint does not match: it was altered")
        signed_by = None
        if trusted_signers is not None:
            signed_by = _check_signature(document.get("signature"), canonical, trusted_signers,
                                         now)
        keyring = Keyring(_parse_entry(e) for e in body["keys"])
        return PublishedKeyset(int(body["issued_at"]), signed_by, keyring)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise PublishedKeysetError(f"the key set is malformed: {exc}") from None
