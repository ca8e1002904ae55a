"""Vouchers as a process holds them: the QR signing key and its keyring, settings, rate limits,
and the ledger parts vouchers use (units of work, the group committer, the clock).

Built once per process by `cardsvc.wiring.build_ledger`, from a keystore handed in (tests) or
the one the environment configures (CARDKEYS_*); without a keystore secret there are none, and
what needs them answers that they are not configured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cardsvc.protocol.qr import QR_PURPOSE, QrSigner
from cardsvc.services.committer import GroupCommitter
from cardsvc.storage.unit_of_work import Database
from cardsvc.vouchers.ratelimit import SharedBuckets
from cardsvc.vouchers.settings import VoucherSettings
from keys.errors import KeyNotFoundError, KeysError, KeyStateError
from keys.keyring import Keyring, KeyringEntry
from keys.keystore import BaseKeystore
from keys.settings import KeysSettings, open_keystore


class VouchersNotConfigured(Exception):
    """No keystore secret: QR payloads can be neither signed nor checked."""


@dataclass
class Vouchers:
    db: Database
    committer: GroupCommitter
    clock: Callable[[], int]
    settings: VoucherSettings
    signer: QrSigner
    keyring: Keyring
    limiter: SharedBuckets = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.limiter = SharedBuckets(self.db, s.public_burst, s.public_per_minute)

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
    if not settings.code_pepper.get_secret_value():
        raise VouchersNotConfigured(
            "CARDSVC_VOUCHERS_CODE_PEPPER is not set: set it to a long random secret, once per "
            "deployment (codes are stored as HMACs under it); vouchers are off until then"
        )
    label = settings.qr_key_label
    try:
        signer = store.signer(label)
    except (KeyNotFoundError, KeyStateError) as exc:
        raise VouchersNotConfigured(
            f"no usable QR signing key {label!r} in the keystore ({exc}); create one with"
            f" `cardkeys generate --label {label} --type ed25519 --purpose qr`"
        ) from exc
    return Vouchers(db, committer, clock, settings, signer, qr_keyring(store, label))


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
