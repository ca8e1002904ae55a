"""A ring of public keys for verifiers: the ledger checking terminals, a gate checking QR codes.

Pure: no I/O, time passed in as epoch seconds. A bad signature, an unknown, revoked or expired
key are outcomes (data), never exceptions. Verification uses PyNaCl (libsodium), about twice
as fast as OpenSSL's Ed25519 verify on this machine kind (FACTS-perf.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

import nacl.exceptions
import nacl.signing

from keys.keyid import key_id_for_public_key
from keys.model import KeyRecord

ED25519_SIGNATURE_LEN = 64
MAX_KEYRING_ENTRIES = 100_000


class VerifyOutcome(StrEnum):
    """Why a signature was or was not accepted."""

    OK = "ok"
    UNKNOWN_KEY = "unknown_key"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    BAD_SIGNATURE = "bad_signature"
    WRONG_PURPOSE = "wrong_purpose"


@dataclass(frozen=True)
class KeyringEntry:
    """One public key and the window in which signatures by it are accepted."""

    key_id: str
    public_key: bytes
    purpose: str
    not_before: int
    not_after: int | None = None  # end of the overlap window after a rotation
    revoked_at: int | None = None

    def __post_init__(self) -> None:
        if key_id_for_public_key(self.public_key) != self.key_id:
            raise ValueError(f"key id {self.key_id} does not belong to its public key")

    @classmethod
    def from_record(cls, record: KeyRecord) -> KeyringEntry:
        """The public part of a keystore's Ed25519 key record."""
        if record.public_key is None or record.key_id is None:
            raise ValueError(f"{record.ref} is not a signing key")
        return cls(record.key_id, record.public_key, record.purpose, record.created_at,
                   record.not_after, record.revoked_at)

    def outcome_at(self, at: int) -> VerifyOutcome:
        """Whether the key is usable at `at`, before looking at any signature."""
        if self.revoked_at is not None and at >= self.revoked_at:
            return VerifyOutcome.REVOKED
        if at < self.not_before:
            return VerifyOutcome.NOT_YET_VALID
        if self.not_after is not None and at >= self.not_after:
            return VerifyOutcome.EXPIRED
        return VerifyOutcome.OK


def _earliest(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


class Keyring:
    """Public keys by key id."""

    def __init__(self, entries: Iterable[KeyringEntry] = ()) -> None:
        self._entries: dict[str, KeyringEntry] = {}
        self._verify_keys: dict[str, nacl.signing.VerifyKey] = {}
        for entry in entries:
            self.add(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: KeyringEntry) -> None:
        """Add a key, or merge news about a known one (ends and revocations only move earlier)."""
        known = self._entries.get(entry.key_id)
        if known is not None:
            entry = replace(
                known,
                not_after=_earliest(known.not_after, entry.not_after),
                revoked_at=_earliest(known.revoked_at, entry.revoked_at),
            )
        elif len(self._entries) >= MAX_KEYRING_ENTRIES:
            raise ValueError(f"a keyring holds at most {MAX_KEYRING_ENTRIES} keys")
        self._entries[entry.key_id] = entry

    def retire(self, key_id: str, not_after: int) -> None:
        """End a key's validity at not_after (the end of a rotation's overlap window)."""
        self.add(replace(self._require(key_id), not_after=not_after))

    def revoke(self, key_id: str, at: int) -> None:
        """Refuse every signature by the key from `at` on."""
        self.add(replace(self._require(key_id), revoked_at=at))

    def get(self, key_id: str) -> KeyringEntry | None:
        """The entry for a key id, if known."""
        return self._entries.get(key_id)

    def entries(self) -> list[KeyringEntry]:
        """All entries, sorted by key id."""
        return [self._entries[k] for k in sorted(self._entries)]

    def verify(
        self, key_id: str, message: bytes, signature: bytes, at: int, purpose: str | None = None
    ) -> VerifyOutcome:
        """Check a signature by key_id at time `at`, optionally for a given purpose."""
        entry = self._entries.get(key_id)
        if entry is None:
            return VerifyOutcome.UNKNOWN_KEY
        if purpose is not None and entry.purpose != purpose:
            return VerifyOutcome.WRONG_PURPOSE
        window = entry.outcome_at(at)
        if window is not VerifyOutcome.OK:
            return window
        if len(signature) != ED25519_SIGNATURE_LEN:
            return VerifyOutcome.BAD_SIGNATURE
        try:
            self._verify_key(entry).verify(message, signature)
        except (nacl.exceptions.BadSignatureError, ValueError):
            return VerifyOutcome.BAD_SIGNATURE
        return VerifyOutcome.OK

    def _verify_key(self, entry: KeyringEntry) -> nacl.signing.VerifyKey:
        key = self._verify_keys.get(entry.key_id)
        if key is None:
            key = nacl.signing.VerifyKey(entry.public_key)
            self._verify_keys[entry.key_id] = key
        return key

    def _require(self, key_id: str) -> KeyringEntry:
        entry = self._entries.get(key_id)
        if entry is None:
            raise KeyError(f"unknown key id {key_id}")
        return entry
