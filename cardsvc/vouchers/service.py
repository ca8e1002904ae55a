"""Vouchers as a process holds them: the QR signing key and its keyring, settings, rate limits,
and the ledger parts vouchers use (units of work, the group committer, the clock).

Built once per process by `cardsvc.wiring.build_ledger`, from a keystore handed in (tests) or
the one the environment configures (CARDKEYS_*); without a keystore secret there are none, and
what needs them answers that they are not configured.

The keys are the keystore's, not a copy taken at start-up: a rotation or a revocation made with
`cardkeys` while the ledger runs is seen within `key_refresh_s` (new codes are signed by the
newest active key, the served key set shows the revocation), without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cardsvc.protocol.qr import QR_PURPOSE, QrSigner
from cardsvc.services.committer import GroupCommitter
from cardsvc.storage.unit_of_work import Database
from cardsvc.vouchers.ratelimit import TokenBuckets
from cardsvc.vouchers.settings import VoucherSettings
from keys.errors import KeyNotFoundError, KeysError, KeyStateError
from keys.keyring import Keyring, KeyringEntry
from keys.keystore import BaseKeystore, Ed25519Signer
from keys.published import export_keyset
from keys.settings import KeysSettings, open_keystore

log = logging.getLogger(__name__)


class VouchersNotConfigured(Exception):
    """No keystore secret: QR payloads can be neither signed nor checked."""


@dataclass(frozen=True)
class KeySnapshot:
    """The QR keys as the keystore held them at `read_at` (monotonic seconds)."""

    signer: QrSigner | None  # None: no active version (every one revoked or retired)
    keyring: Keyring
    keyset_signer: Ed25519Signer | None  # signs the published key set; None: none configured
    keyset_keys: tuple[KeyringEntry, ...]  # the key-set key's versions, for enrolling agents
    read_at: float


class QrKeys:
    """The QR signing key, its keyring and the key-set signer, re-read from the keystore when
    the last read is older than `refresh_s` (0: at every use). One reader at a time."""

    def __init__(
        self, store: BaseKeystore, settings: VoucherSettings, monotonic: Callable[[], float]
    ) -> None:
        self.store, self.settings, self.monotonic = store, settings, monotonic
        self._lock = threading.Lock()
        self._snapshot = self._read()
        if self._snapshot.signer is None:
            raise _no_signer(settings.qr_key_label, "it has no active version")

    def _read(self) -> KeySnapshot:
        label = self.settings.qr_key_label
        try:
            keyring = qr_keyring(self.store, label)
        except KeyNotFoundError as exc:
            raise _no_signer(label, str(exc)) from exc
        keyset_label = self.settings.keyset_key_label
        return KeySnapshot(_signer_or_none(self.store, label), keyring,
                           _keyset_signer(self.store, keyset_label),
                           _keyset_keys(self.store, keyset_label), self.monotonic())  # fmt: skip

    def snapshot(self) -> KeySnapshot:
        with self._lock:
            if self.monotonic() - self._snapshot.read_at >= self.settings.key_refresh_s:
                try:
                    self._snapshot = self._read()
                except (KeysError, VouchersNotConfigured) as exc:
                    # keep the last good keys: a keystore being rewritten never stops checks
                    log.warning("QR keys not re-read, the last ones stay in use: %s", exc)
            return self._snapshot

    def published(self, now: int) -> str:
        """The key set offline validators download, signed by the key-set key if there is one."""
        snap = self.snapshot()
        return export_keyset(snap.keyring.entries(), now, snap.keyset_signer)


def _no_signer(label: str, why: str) -> VouchersNotConfigured:
    return VouchersNotConfigured(
        f"no usable QR signing key {label!r} in the keystore ({why}); create one with"
        f" `cardkeys generate --label {label} --type ed25519 --purpose qr`"
    )


def _signer_or_none(store: BaseKeystore, label: str) -> QrSigner | None:
    try:
        return store.signer(label)
    except (KeyNotFoundError, KeyStateError):
        return None


def _keyset_signer(store: BaseKeystore, label: str) -> Ed25519Signer | None:
    try:
        record = store.current(label)
    except (KeyNotFoundError, KeyStateError):
        return None
    return store.signer(label) if record.purpose == "keyset" else None


def _keyset_keys(store: BaseKeystore, label: str) -> tuple[KeyringEntry, ...]:
    try:
        records = store.versions(label)
    except KeyNotFoundError:
        return ()
    return tuple(KeyringEntry.from_record(r) for r in records
                 if r.kind == "ed25519" and r.purpose == "keyset" and r.revoked_at is None)


@dataclass
class Vouchers:
    db: Database
    committer: GroupCommitter
    clock: Callable[[], int]
    settings: VoucherSettings
    keys: QrKeys
    limiter: TokenBuckets = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.limiter = TokenBuckets(s.public_burst, s.public_per_minute / 60.0,
                                    s.public_clients_max)  # fmt: skip

    @property
    def signer(self) -> QrSigner:
        """The newest active QR key now; VouchersNotConfigured when every version is revoked."""
        signer = self.keys.snapshot().signer
        if signer is None:
            raise _no_signer(self.settings.qr_key_label, "every version is revoked or retired")
        return signer

    @property
    def keyring(self) -> Keyring:
        """Every version of the QR key with its validity and revocation, as of now."""
        return self.keys.snapshot().keyring

    @property
    def pepper(self) -> bytes:
        return self.settings.code_pepper.get_secret_value().encode()


def qr_keyring(store: BaseKeystore, label: str) -> Keyring:
    """Every version of the QR signing key, with its validity, as a verifier's keyring."""
    entries = [KeyringEntry.from_record(r) for r in store.versions(label)
               if r.kind == "ed25519" and r.purpose == QR_PURPOSE]  # fmt: skip
    return Keyring(entries)


def vouchers_from_keystore(
    db: Database,
    committer: GroupCommitter,
    clock: Callable[[], int],
    settings: VoucherSettings,
    store: BaseKeystore,
) -> Vouchers:
    keys = QrKeys(store, settings, time.monotonic)
    return Vouchers(db, committer, clock, settings, keys)


def keystore_from_environment(clock: Callable[[], int]) -> BaseKeystore:
    """Open the configured keystore (CARDKEYS_*); VouchersNotConfigured without its secret."""
    keys = KeysSettings()
    secret = keys.passphrase if keys.keystore == "file" else keys.pin
    if secret is None:
        raise VouchersNotConfigured(
            "QR signing needs the keystore secret (CARDKEYS_PASSPHRASE or CARDKEYS_PIN)"
        )
    try:
        return open_keystore(keys, secret.get_secret_value(), clock)
    except KeysError as exc:
        raise VouchersNotConfigured(f"the keystore (CARDKEYS_*) did not open: {exc}") from exc
