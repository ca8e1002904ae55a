"""Enrollment: the terminal's signing key (made in its keystore) registered with the ledger, and
the identity the agent keeps afterwards (identity.json: terminal, store, ledger URL, key id).

The private key never leaves the keystore (a file keystore, or an HSM over PKCS#11: set
CARDKEYS_KEYSTORE=pkcs11). A failed `reader-agent enroll` removes a keystore file it created;
a key it made in a keystore that was there before is reused, so enrollment can simply be run
again with a fresh code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import httpx

from cardsvc.protocol.client import LedgerClient, enroll
from keys.errors import KeyNotFoundError
from keys.keystore import Ed25519Signer, Keystore
from reader_agent.files import write_json_atomically

IDENTITY_FORMAT = "reader-agent-identity/1"


class IdentityError(Exception):
    """No usable identity: the terminal is not enrolled, or its file is damaged."""


@dataclass(frozen=True)
class Identity:
    terminal_id: str
    store_id: str
    ledger_url: str
    key_label: str
    key_id: str
    # the key-set keys the ledger named at enrolment: key id -> raw public key, hex
    keyset_signers: dict[str, str] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        write_json_atomically(path, {"format": IDENTITY_FORMAT, **asdict(self)})

    @classmethod
    def load(cls, path: Path) -> Identity:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IdentityError(
                f"this terminal is not enrolled ({path} missing): run `reader-agent enroll`"
            ) from None
        except (OSError, ValueError) as exc:
            raise IdentityError(f"cannot read the identity {path}: {exc}") from exc
        if not isinstance(data, dict) or data.pop("format", None) != IDENTITY_FORMAT:
            raise IdentityError(f"{path} is not a reader-agent identity")
        try:
            fields = {k: str(data[k]) for k in _TEXT_FIELDS}
        except KeyError as exc:
            raise IdentityError(f"{path} lacks {exc}") from exc
        return cls(**fields, keyset_signers=_signers(data.get("keyset_signers", {}), path))


_TEXT_FIELDS = ("terminal_id", "store_id", "ledger_url", "key_label", "key_id")


def _signers(value: object, path: Path) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise IdentityError(f"{path}: keyset_signers is not a map of key ids to public keys")
    return dict(value)


def keyset_signers_of(answer: dict[str, object]) -> dict[str, str]:
    """The key-set keys an enrolment answer names (none from an older ledger)."""
    found = answer.get("keyset_signers") or []
    if not isinstance(found, list):
        raise IdentityError("the ledger's keyset_signers is not a list")
    return {str(s["key_id"]): str(s["public_key"]) for s in found if isinstance(s, dict)}


def terminal_signer(keystore: Keystore, label: str) -> Ed25519Signer:
    """The terminal's signing key, made in the keystore on first use."""
    try:
        return keystore.signer(label)
    except KeyNotFoundError:
        keystore.generate_ed25519(label, "terminal")
        return keystore.signer(label)


def enroll_terminal(
    http: httpx.Client,
    keystore: Keystore,
    *,
    terminal_id: str,
    code: str,
    ledger_url: str,
    key_label: str,
    identity_path: Path,
) -> Identity:
    """Register the terminal key with the one-time code; store the identity; return it."""
    signer = terminal_signer(keystore, key_label)
    answer = enroll(http, terminal_id, code, signer)
    if answer.get("key_id") != signer.key_id:
        raise IdentityError("the ledger registered another key id than this terminal's")
    identity = Identity(
        terminal_id=str(answer["terminal_id"]),
        store_id=str(answer["store_id"]),
        ledger_url=ledger_url,
        key_label=key_label,
        key_id=signer.key_id,
        keyset_signers=keyset_signers_of(answer),
    )
    identity.save(identity_path)
    return identity


def rotate_terminal_key(
    http: httpx.Client,
    keystore: Keystore,
    identity: Identity,
    identity_path: Path,
) -> Identity:
    """Make a new terminal key under a label of its own, have the ledger enrol it (endorsed by
    the current key), then switch the identity to it. If the ledger refuses or cannot be
    reached, the new key is revoked and the identity keeps the enrolled key: the terminal never
    signs with a key the ledger lacks. The old key stays in the keystore; the ledger retires it
    after its overlap window (queued batches it signed still land)."""
    current = keystore.signer(identity.key_label)
    if current.key_id != identity.key_id:
        raise IdentityError("the keystore's terminal key is not the enrolled one")
    label = _successor_label(keystore, identity.key_label)
    keystore.generate_ed25519(label, "terminal")
    successor = keystore.signer(label)
    try:
        LedgerClient(http, identity.terminal_id, current).rotate_key(successor)
    except BaseException:
        keystore.revoke(label, 1)
        raise
    rotated = replace(identity, key_id=successor.key_id, key_label=label)
    rotated.save(identity_path)
    return rotated


def _successor_label(keystore: Keystore, label: str) -> str:
    """`terminal` -> `terminal.2` -> `terminal.3` ...: the first label not in the keystore."""
    base, _, number = label.rpartition(".")
    if not base or not number.isdigit():
        base, number = label, "1"
    taken = {record.label for record in keystore.list_keys()}
    n = int(number) + 1
    while f"{base}.{n}" in taken:
        n += 1
    return f"{base}.{n}"
