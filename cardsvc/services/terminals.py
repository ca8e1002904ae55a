"""Terminals and their signing keys: creation with a one-time enrollment code, enrollment of
the terminal's public key, rotation with an overlap window, revocation, and the key look-up the
signature check uses.

Device states (pretix-style): pending (created, code not yet used) -> active -> disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cardsvc.protocol.signing import KeyStatus
from cardsvc.services.errors import Conflict, Forbidden, Invalid, NotFound
from cardsvc.storage.unit_of_work import Database, UnitOfWork
from keys.enrolment import verify_enrolment
from keys.keyid import key_id_for_public_key
from keys.keyring import Keyring, KeyringEntry

ENROLLMENT_CODE_BYTES = 12


@dataclass(frozen=True)
class Terminal:
    id: str
    store_id: str
    name: str
    status: str


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def create_store(uow: UnitOfWork, store_id: str, name: str, now: int) -> None:
    if uow.terminals.store_exists(store_id):
        raise Conflict(f"store {store_id} exists")
    uow.terminals.add_store(store_id, name, now)


def create_terminal(
    uow: UnitOfWork, terminal_id: str, store_id: str, name: str, now: int, ttl_s: int
) -> str:
    """Create a pending terminal; return its one-time enrollment code."""
    if not uow.terminals.store_exists(store_id):
        raise NotFound(f"no store {store_id}")
    if uow.terminals.get(terminal_id) is not None:
        raise Conflict(f"terminal {terminal_id} exists")
    code = secrets.token_hex(ENROLLMENT_CODE_BYTES).upper()
    uow.terminals.add(terminal_id, store_id, name, _code_hash(code), now + ttl_s, now)
    return code


def enroll(
    uow: UnitOfWork, terminal_id: str, code: str, enrolment: Mapping[str, Any], now: int
) -> str:
    """Register a pending terminal's key with its one-time code; return the key id. The
    enrolment must prove possession of the key (keys.enrolment) and have no predecessor."""
    row = uow.terminals.get(terminal_id)
    if row is None or row.status != "pending" or row.enrollment_code_hash is None:
        raise Forbidden("no pending enrollment for this terminal")
    if not hmac.compare_digest(row.enrollment_code_hash, _code_hash(code)):
        raise Forbidden("wrong enrollment code")
    if row.enrollment_expires_at is None or now > row.enrollment_expires_at:
        raise Forbidden("the enrollment code has expired; ask an administrator for a new one")
    public_key = _proven_key(enrolment, terminal_id, Keyring([]), now, previous=None)
    key_id = _add_key(uow, terminal_id, public_key, now)
    uow.terminals.activate(terminal_id)
    return key_id


def _add_key(uow: UnitOfWork, terminal_id: str, public_key: bytes, now: int) -> str:
    try:
        key_id = key_id_for_public_key(public_key)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    if uow.terminals.key_exists(key_id):
        raise Conflict("this public key is already enrolled")
    uow.terminals.add_key(key_id, terminal_id, public_key, now)
    return key_id


def rotate_key(
    uow: UnitOfWork,
    terminal_id: str,
    old_key_id: str,
    enrolment: Mapping[str, Any],
    now: int,
    overlap_s: int,
) -> str:
    """Add a new key, proved by itself and endorsed by the terminal's current key `old_key_id`;
    the old one keeps verifying for `overlap_s` (queued offline batches)."""
    keyring = Keyring(_terminal_keyring_entries(uow, terminal_id))
    new_public_key = _proven_key(enrolment, terminal_id, keyring, now, previous=old_key_id)
    new_key_id = _add_key(uow, terminal_id, new_public_key, now)
    uow.terminals.retire_key(old_key_id, now + overlap_s)
    return new_key_id


def _proven_key(
    enrolment: Mapping[str, Any],
    terminal_id: str,
    keyring: Keyring,
    now: int,
    previous: str | None,
) -> bytes:
    """The public key of a verified enrolment request, or the reason it is refused."""
    result = verify_enrolment(enrolment, keyring, now)
    if result.outcome == "malformed":
        raise Invalid("malformed enrolment request (see keys.enrolment)")
    if result.outcome != "ok" or result.entry is None:
        raise Forbidden(f"enrolment refused: {result.outcome}")
    if result.terminal_id != terminal_id:
        raise Forbidden("the enrolment names another terminal")
    if result.previous_key_id != previous:
        raise Forbidden(
            "a rotation is endorsed by the key that signs it; a first enrolment by none"
        )
    return result.entry.public_key


def _terminal_keyring_entries(uow: UnitOfWork, terminal_id: str) -> list[KeyringEntry]:
    return [
        KeyringEntry(
            r.key_id,
            r.public_key,
            "terminal",
            not_before=r.created_at,
            not_after=r.retire_at,
            revoked_at=r.revoked_at,
        )
        for r in uow.terminals.keys_of(terminal_id)
    ]


def revoke_key(uow: UnitOfWork, key_id: str, now: int) -> None:
    if not uow.terminals.revoke_key(key_id, now):
        raise NotFound(f"no live key {key_id}")


def set_terminal_status(uow: UnitOfWork, terminal_id: str, status: str) -> None:
    """Disable a terminal (lost, stolen, retired: its keys stop verifying) or re-enable it."""
    assert status in ("active", "disabled")
    current = get_terminal(uow, terminal_id)
    if current.status == "pending":
        raise Conflict("the terminal has not enrolled yet")
    uow.terminals.set_status(terminal_id, status)


def get_terminal(uow: UnitOfWork, terminal_id: str) -> Terminal:
    row = uow.terminals.get(terminal_id)
    if row is None:
        raise NotFound(f"no terminal {terminal_id}")
    return Terminal(row.id, row.store_id, row.name, row.status)


class KeyDirectory:
    """Key look-ups for signature checks, cached for `ttl_s` seconds per key.

    A revocation made through this process takes effect at once (`forget`); one made by another
    worker within `ttl_s` (a few seconds): a bounded delay chosen over a database round trip
    on every request.
    """

    def __init__(self, db: Database, ttl_s: float = 5.0, max_entries: int = 100_000) -> None:
        self.db, self.ttl_s, self.max_entries = db, ttl_s, max_entries
        self._cache: dict[
            str, tuple[float, tuple[bytes, str, int | None, int | None, str, str]]
        ] = {}
        self._lock = threading.Lock()

    def forget(self, key_id: str | None = None) -> None:
        with self._lock:
            if key_id is None:
                self._cache.clear()
            else:
                self._cache.pop(key_id, None)

    def lookup(self, key_id: str, now: int) -> KeyStatus | None:
        entry = self._fetch(key_id)
        if entry is None:
            return None
        public_key, terminal_id, retire_at, revoked_at, status, _store = entry
        if revoked_at is not None and revoked_at <= now:
            return KeyStatus(public_key, terminal_id, False, "key_revoked")
        if retire_at is not None and retire_at <= now:
            return KeyStatus(public_key, terminal_id, False, "key_retired")
        if status != "active":
            return KeyStatus(public_key, terminal_id, False, "terminal_disabled")
        return KeyStatus(public_key, terminal_id, True)

    def store_of(self, key_id: str) -> str:
        """The store of the terminal that owns `key_id` (after a successful look-up)."""
        entry = self._fetch(key_id)
        assert entry is not None
        return entry[5]

    def _fetch(self, key_id: str) -> tuple[bytes, str, int | None, int | None, str, str] | None:
        hit = self._cache.get(key_id)
        mono = time.monotonic()
        if hit is not None and mono - hit[0] < self.ttl_s:
            return hit[1]
        with self.db.read() as uow:
            found = uow.terminals.key_entry(key_id)
        if found is None:
            return None
        entry = (
            found.public_key,
            found.terminal_id,
            found.retire_at,
            found.revoked_at,
            found.terminal_status,
            found.store_id,
        )
        with self._lock:
            if len(self._cache) >= self.max_entries:
                self._cache.clear()
            self._cache[key_id] = (mono, entry)
        return entry
