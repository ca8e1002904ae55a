"""The keystore interface and the key life-cycle rules every backend shares.

Backends (FileKeystore, Pkcs11Keystore) implement a few primitives: create a key (generated
inside the store, or imported), run AES-ECB / AES-CBC / AES-CMAC with a stored key, give a
signer for a stored Ed25519 key, and read and update metadata records. Everything else,
versions, rotation, revocation, KCV checks, AN10922 derivation, lives here once.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

from keys.components import KeyComponent, combine_components, combined_kcv_check
from keys.diversify import AES_BLOCK, cmac_subkeys, diversification_input, padded_blocks
from keys.errors import KeyExistsError, KeyNotFoundError, KeyStateError
from keys.kcv import check_kcv, kcv_from_cmac
from keys.model import (
    SIGNING_PURPOSES,
    KeyKind,
    KeyRecord,
    KeyStatus,
    Purpose,
    check_label,
    check_version,
)

Clock = Callable[[], int]
MAX_OVERLAP_SECONDS = 5 * 366 * 86400


def system_clock() -> int:
    """Current time in epoch seconds."""
    return int(time.time())


@runtime_checkable
class Ed25519Signer(Protocol):
    """Signs with one Ed25519 key, wherever the private key lives."""

    @property
    def key_id(self) -> str: ...

    def public_key_raw(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


class Keystore(Protocol):
    """What the rest of the system may ask of a keystore. Secret keys never come out."""

    def generate_master_key(self, label: str, version: int = 1) -> KeyRecord: ...

    def import_components(
        self,
        label: str,
        components: Sequence[KeyComponent],
        *,
        version: int | None = None,
        expected_kcv: str | None = None,
        overlap_seconds: int | None = None,
    ) -> KeyRecord: ...

    def kcv(self, label: str, version: int) -> str: ...

    def derive_card_key(
        self, label: str, version: int, uid: bytes, aid: bytes, system_id: bytes
    ) -> bytes: ...

    def generate_ed25519(self, label: str, purpose: Purpose) -> bytes: ...

    def signer(self, label: str) -> Ed25519Signer: ...

    def list_keys(self) -> list[KeyRecord]: ...

    def rotate(self, label: str, overlap_seconds: int) -> KeyRecord: ...

    def revoke(self, label: str, version: int) -> KeyRecord: ...

    def close(self) -> None: ...


class BaseKeystore(abc.ABC):
    """Life-cycle rules over backend primitives."""

    def __init__(self, clock: Clock = system_clock) -> None:
        self._clock = clock

    # -- backend primitives ---------------------------------------------------------------
    @abc.abstractmethod
    def _records(self) -> list[KeyRecord]:
        """All key records, freshly read."""

    @abc.abstractmethod
    def _create_key(self, template: KeyRecord, secret: bytes | None) -> KeyRecord:
        """Store a new key (generated when secret is None) and its record; fill kcv/public key."""

    @abc.abstractmethod
    def _update_records(self, records: Sequence[KeyRecord]) -> None:
        """Replace the metadata of existing keys."""

    @abc.abstractmethod
    def _aes_ecb(self, record: KeyRecord, block: bytes) -> bytes: ...

    @abc.abstractmethod
    def _aes_cbc_last_block(self, record: KeyRecord, data: bytes) -> bytes: ...

    @abc.abstractmethod
    def _aes_cmac(self, record: KeyRecord, data: bytes) -> bytes: ...

    @abc.abstractmethod
    def _signer_for(self, record: KeyRecord) -> Ed25519Signer: ...

    @abc.abstractmethod
    def close(self) -> None:
        """Release the backend (token session, cached secrets)."""

    # -- queries ---------------------------------------------------------------------------
    def list_keys(self) -> list[KeyRecord]:
        """Metadata of every key version, sorted by label and version."""
        return sorted(self._records(), key=lambda r: (r.label, r.version))

    def record(self, label: str, version: int) -> KeyRecord:
        """The record of one key version."""
        for rec in self._records():
            if rec.label == label and rec.version == version:
                return rec
        raise KeyNotFoundError(f"no key {label}/v{version}")

    def versions(self, label: str) -> list[KeyRecord]:
        """All versions of a label, oldest first; raise if there are none."""
        found = sorted((r for r in self._records() if r.label == label), key=lambda r: r.version)
        if not found:
            raise KeyNotFoundError(f"no key labelled {label!r}")
        return found

    def current(self, label: str) -> KeyRecord:
        """The newest active version of a label (the one to use for new work)."""
        now = self._clock()
        active = [r for r in self.versions(label) if r.status(now) is KeyStatus.ACTIVE]
        if not active:
            raise KeyStateError(f"key {label!r} has no active version (all revoked or retired)")
        return active[-1]

    def _usable(self, label: str, version: int, kind: KeyKind) -> KeyRecord:
        rec = self.record(label, version)
        if rec.kind != kind:
            raise KeyStateError(f"{rec.ref} is an {rec.kind} key, not {kind}")
        status = rec.status(self._clock())
        if status not in (KeyStatus.ACTIVE, KeyStatus.RETIRING):
            raise KeyStateError(f"{rec.ref} is {status.value} and may not be used")
        return rec

    # -- symmetric keys --------------------------------------------------------------------
    def generate_master_key(self, label: str, version: int = 1) -> KeyRecord:
        """Generate a new AES-128 card master key inside the store."""
        template = self._new_template(label, version, "aes128", "card-master")
        return self._create_key(template, None)

    def import_components(
        self,
        label: str,
        components: Sequence[KeyComponent],
        *,
        version: int | None = None,
        expected_kcv: str | None = None,
        overlap_seconds: int | None = None,
    ) -> KeyRecord:
        """Form an AES-128 master key from custodian components and store it.

        A new label starts at version 1 (or `version`); for an existing label the import is
        a rotation and needs overlap_seconds, the time the older versions stay valid.
        """
        if overlap_seconds is not None:
            check_overlap(overlap_seconds)
        key = combine_components(components)
        kcv = combined_kcv_check(key, expected_kcv)
        existing = self._existing(label)
        if existing and overlap_seconds is None:
            raise KeyExistsError(f"key {label!r} exists: give an overlap to rotate to the import")
        number = version if version is not None else (existing[-1].version + 1 if existing else 1)
        template = self._new_template(label, number, "aes128", "card-master")
        template = _with_components(template, len(components))
        created = self._create_key(template, key)
        check_kcv(created.ref, kcv, created.kcv or "")
        if existing and overlap_seconds is not None:
            self._retire_older(existing, overlap_seconds)
        return created

    def kcv(self, label: str, version: int) -> str:
        """Compute the key's KCV in the store and check it against the recorded one."""
        rec = self.record(label, version)
        if rec.kind != "aes128" or rec.kcv is None:
            raise KeyStateError(f"{rec.ref} is not a symmetric key and has no KCV")
        actual = kcv_from_cmac(self._aes_cmac(rec, bytes(AES_BLOCK)))
        check_kcv(rec.ref, rec.kcv, actual)
        return actual

    def derive_card_key(
        self, label: str, version: int, uid: bytes, aid: bytes, system_id: bytes
    ) -> bytes:
        """AN10922 AES-128 per-card key; both AES steps run with the stored master key."""
        message = diversification_input(uid, aid, system_id)
        rec = self._usable(label, version, "aes128")
        k1, k2 = cmac_subkeys(self._aes_ecb(rec, bytes(AES_BLOCK)))
        return self._aes_cbc_last_block(rec, padded_blocks(message, k1, k2))

    # -- signing keys ----------------------------------------------------------------------
    def generate_ed25519(self, label: str, purpose: Purpose) -> bytes:
        """Generate an Ed25519 signing key in the store; return its raw public key."""
        if purpose not in SIGNING_PURPOSES:
            raise ValueError(f"signing key purpose must be one of {SIGNING_PURPOSES}")
        created = self._create_key(self._new_template(label, 1, "ed25519", purpose), None)
        assert created.public_key is not None
        return created.public_key

    def signer(self, label: str) -> Ed25519Signer:
        """A signer for the label's current (newest active) Ed25519 key."""
        rec = self.current(label)
        if rec.kind != "ed25519":
            raise KeyStateError(f"{rec.ref} is not a signing key")
        return self._signer_for(rec)

    # -- life cycle ------------------------------------------------------------------------
    def rotate(self, label: str, overlap_seconds: int) -> KeyRecord:
        """Make a new version of the label; older versions stay valid for the overlap."""
        check_overlap(overlap_seconds)
        latest = self.current(label)
        existing = self.versions(label)
        template = self._new_template(
            label, existing[-1].version + 1, latest.kind, latest.purpose
        )
        created = self._create_key(template, None)
        self._retire_older(existing, overlap_seconds)
        return created

    def revoke(self, label: str, version: int) -> KeyRecord:
        """Revoke one key version now; it is refused from this moment on."""
        rec = self.record(label, version).revoked(self._clock())
        self._update_records([rec])
        return rec

    # -- helpers ---------------------------------------------------------------------------
    def _existing(self, label: str) -> list[KeyRecord]:
        return sorted((r for r in self._records() if r.label == label), key=lambda r: r.version)

    def _new_template(self, label: str, version: int, kind: KeyKind, p: Purpose) -> KeyRecord:
        check_label(label)
        check_version(version)
        existing = self._existing(label)
        if any(r.version >= version for r in existing):
            raise KeyExistsError(f"key {label}/v{version} exists or is older than the newest")
        return KeyRecord(label, version, kind, p, created_at=self._clock())

    def _retire_older(self, older: Sequence[KeyRecord], overlap_seconds: int) -> None:
        end = self._clock() + check_overlap(overlap_seconds)
        self._update_records([r.retiring(end) for r in older if r.revoked_at is None])


def _with_components(template: KeyRecord, count: int) -> KeyRecord:
    return replace(template, components=count)


def check_overlap(overlap_seconds: int) -> int:
    """Return the overlap if it is within bounds, else raise ValueError."""
    if not 0 <= overlap_seconds <= MAX_OVERLAP_SECONDS:
        raise ValueError(f"overlap must be 0..{MAX_OVERLAP_SECONDS} seconds")
    return overlap_seconds
