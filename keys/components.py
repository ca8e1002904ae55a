"""Key components: split knowledge for master keys.

A master key can be formed from 2 or 3 components, each held by a different custodian, so
no single person ever knows the key. The key is the XOR of the components; each component
carries its own KCV so a custodian's typing error is caught on entry, and the combined key's
KCV is checked against the one recorded at the key ceremony.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from keys.errors import KcvMismatchError
from keys.kcv import AES128_KEY_LEN, aes_kcv, check_kcv, normalise_kcv

MIN_COMPONENTS = 2
MAX_COMPONENTS = 3
_FILE_MAGIC = "cardkeys key component"


@dataclass(frozen=True, repr=False)
class KeyComponent:
    """One custodian's share of a key. repr never shows the value."""

    value: bytes
    kcv: str

    def __repr__(self) -> str:
        return f"KeyComponent(kcv={self.kcv})"

    @classmethod
    def from_hex(cls, value_hex: str, kcv: str | None, what: str = "component") -> KeyComponent:
        """Parse a component typed as hex; check it against its KCV when one is given."""
        cleaned = value_hex.strip().replace(" ", "")
        try:
            value = bytes.fromhex(cleaned)
        except ValueError:
            raise ValueError(f"{what} is not hexadecimal") from None
        if len(value) != AES128_KEY_LEN:
            raise ValueError(f"{what} must be {AES128_KEY_LEN} bytes, got {len(value)}")
        actual = aes_kcv(value)
        if kcv is not None:
            check_kcv(what, kcv, actual)
        return cls(value, actual)


def split_key(key: bytes, count: int) -> list[KeyComponent]:
    """Split a key into `count` random components whose XOR is the key."""
    _check_count(count)
    shares = [secrets.token_bytes(len(key)) for _ in range(count - 1)]
    last = key
    for share in shares:
        last = _xor(last, share)
    return [KeyComponent(s, aes_kcv(s)) for s in [*shares, last]]


def combine_components(components: Sequence[KeyComponent]) -> bytes:
    """XOR the components into the key, re-checking each component's KCV first."""
    _check_count(len(components))
    if len({c.value for c in components}) != len(components):
        raise ValueError("the same component was entered twice")
    key = bytes(AES128_KEY_LEN)
    for number, component in enumerate(components, start=1):
        if len(component.value) != AES128_KEY_LEN:
            raise ValueError(f"component {number} must be {AES128_KEY_LEN} bytes")
        check_kcv(f"component {number}", component.kcv, aes_kcv(component.value))
        key = _xor(key, component.value)
    return key


def combined_kcv_check(key: bytes, expected_kcv: str | None) -> str:
    """Return the KCV of the combined key; raise if it differs from the expected one."""
    actual = aes_kcv(key)
    if expected_kcv is not None:
        try:
            check_kcv("the combined key", expected_kcv, actual)
        except KcvMismatchError as exc:
            raise KcvMismatchError(f"{exc}; a component was probably entered wrongly") from None
    return actual


def write_component_file(path: Path, label: str, number: int, total: int, c: KeyComponent) -> None:
    """Write one custodian's component to a new file readable by the owner only."""
    text = (
        f"# {_FILE_MAGIC} {number}/{total} for key {label}\n"
        f"# hand to custodian {number} only; destroy after the key ceremony\n"
        f"component: {c.value.hex().upper()}\nkcv: {c.kcv}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)


def read_component_file(path: Path) -> KeyComponent:
    """Read a component file written by write_component_file, checking its KCV."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="ascii").splitlines()[:20]:
        if line.startswith("#") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    if "component" not in fields or "kcv" not in fields:
        raise ValueError(f"{path.name} is not a key component file")
    return KeyComponent.from_hex(fields["component"], normalise_kcv(fields["kcv"]), path.name)


def _check_count(count: int) -> None:
    if not MIN_COMPONENTS <= count <= MAX_COMPONENTS:
        raise ValueError(f"a key is formed from {MIN_COMPONENTS} or {MAX_COMPONENTS} components")


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))
