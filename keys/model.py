"""Key metadata: what a keystore records about every key, never the key itself.

A key is named by a label and a version (`label/v3`). Its status at a moment follows from
three timestamps (epoch seconds): created_at, not_after (set when a rotation starts the
overlap window) and revoked_at. Records are monotonic: not_after only moves earlier and
revoked_at, once set, stays; that lets a keystore merge duplicate records after a crash.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any, Literal, cast, get_args

KeyKind = Literal["aes128", "ed25519"]
Purpose = Literal["card-master", "terminal", "qr", "keyset"]
SIGNING_PURPOSES: tuple[Purpose, ...] = ("terminal", "qr", "keyset")
MAX_VERSION = 255  # DESFire key versions are one byte
_LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class KeyStatus(StrEnum):
    """Where a key is in its life at a given moment."""

    ACTIVE = "active"
    RETIRING = "retiring"  # superseded, still valid until not_after (the overlap window)
    EXPIRED = "expired"
    REVOKED = "revoked"


def check_label(label: str) -> str:
    """Return the label if it is a valid key label, else raise ValueError."""
    if not _LABEL_RE.fullmatch(label):
        raise ValueError(
            f"invalid key label {label!r}: 1-64 characters, letters, digits, '_', '.', '-'"
        )
    return label


def check_version(version: int) -> int:
    """Return the version if it fits a DESFire key version byte (1..255)."""
    if not 1 <= version <= MAX_VERSION:
        raise ValueError(f"key version must be 1..{MAX_VERSION}, got {version}")
    return version


def _min_time(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


@dataclass(frozen=True)
class KeyRecord:
    """Metadata of one key version. Holds a public key at most, never secret material."""

    label: str
    version: int
    kind: KeyKind
    purpose: Purpose
    created_at: int
    kcv: str | None = None  # AES keys
    key_id: str | None = None  # Ed25519 keys
    public_key: bytes | None = None  # Ed25519 keys, raw 32 bytes
    components: int = 0  # how many custodian components formed it (0: generated in the store)
    not_after: int | None = None
    revoked_at: int | None = None

    @property
    def ref(self) -> str:
        """The name of this key version, e.g. 'card-master/v2'."""
        return f"{self.label}/v{self.version}"

    def status(self, at: int) -> KeyStatus:
        """The key's status at epoch second `at`."""
        if self.revoked_at is not None and at >= self.revoked_at:
            return KeyStatus.REVOKED
        if self.not_after is None:
            return KeyStatus.ACTIVE
        return KeyStatus.RETIRING if at < self.not_after else KeyStatus.EXPIRED

    def retiring(self, not_after: int) -> KeyRecord:
        """This record with its validity ending at not_after (never extended)."""
        return replace(self, not_after=_min_time(self.not_after, not_after))

    def revoked(self, at: int) -> KeyRecord:
        """This record revoked from `at` (an earlier revocation stands)."""
        return replace(self, revoked_at=_min_time(self.revoked_at, at))

    def merged(self, other: KeyRecord) -> KeyRecord:
        """Combine two copies of the same record, keeping the most restrictive times."""
        if (other.label, other.version, other.kind) != (self.label, self.version, self.kind):
            raise ValueError(f"cannot merge {self.ref} with {other.ref}")
        return replace(
            self,
            not_after=_min_time(self.not_after, other.not_after),
            revoked_at=_min_time(self.revoked_at, other.revoked_at),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (public key as hex)."""
        data = asdict(self)
        data["public_key"] = self.public_key.hex() if self.public_key is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyRecord:
        """Parse a record written by to_json; raise ValueError on anything malformed."""
        try:
            kind, purpose = data["kind"], data["purpose"]
            if kind not in get_args(KeyKind) or purpose not in get_args(Purpose):
                raise ValueError(f"unknown key kind/purpose {kind!r}/{purpose!r}")
            public_hex = data.get("public_key")
            return cls(
                label=check_label(str(data["label"])),
                version=check_version(int(data["version"])),
                kind=cast(KeyKind, kind),
                purpose=cast(Purpose, purpose),
                created_at=int(data["created_at"]),
                kcv=_opt_str(data.get("kcv")),
                key_id=_opt_str(data.get("key_id")),
                public_key=bytes.fromhex(public_hex) if public_hex is not None else None,
                components=int(data.get("components", 0)),
                not_after=_opt_int(data.get("not_after")),
                revoked_at=_opt_int(data.get("revoked_at")),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed key record: {exc!r}") from exc


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: object) -> int | None:
    return None if value is None else int(cast(int, value))
