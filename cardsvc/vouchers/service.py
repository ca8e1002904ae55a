"""The vouchers wiring: the ledger, the QR signing key and its keyring, settings, rate limits.

Built once per process: by the API on first use (from the environment: CARDSVC_VOUCHERS_ and
CARDKEYS_ settings) or handed in by the CLI and the tests.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from cardsvc.protocol.qr import QR_PURPOSE, QrSigner
from cardsvc.vouchers.ratelimit import TokenBuckets
from cardsvc.vouchers.settings import VoucherSettings
from cardsvc.wiring import Ledger
from keys.keyring import Keyring, KeyringEntry
from keys.keystore import BaseKeystore
from keys.settings import KeysSettings, open_keystore


@dataclass
class Vouchers:
    ledger: Ledger
    settings: VoucherSettings
    signer: QrSigner
    keyring: Keyring
    limiter: TokenBuckets = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.limiter = TokenBuckets(s.public_burst, s.public_per_minute / 60.0,
                                    s.public_clients_max)

    @property
    def pepper(self) -> bytes:
        return self.settings.code_pepper.get_secret_value().encode()


def qr_keyring(store: BaseKeystore, label: str) -> Keyring:
    """Every version of the QR signing key, with its validity, as a verifier's keyring."""
    entries = [KeyringEntry.from_record(r) for r in store.versions(label)
               if r.kind == "ed25519" and r.purpose == QR_PURPOSE]
    return Keyring(entries)


def vouchers_from_keystore(
    ledger: Ledger, settings: VoucherSettings, store: BaseKeystore
) -> Vouchers:
    label = settings.qr_key_label
    return Vouchers(ledger, settings, store.signer(label), qr_keyring(store, label))


_lock = threading.Lock()


def vouchers_from_environment(ledger: Ledger) -> Vouchers:
    """Open the configured keystore (CARDKEYS_*) and take the QR key from it."""
    with _lock:
        keys = KeysSettings()
        secret = keys.passphrase if keys.keystore == "file" else keys.pin
        if secret is None:
            raise RuntimeError(
                "QR signing needs the keystore secret (CARDKEYS_PASSPHRASE or CARDKEYS_PIN)"
            )
        store = open_keystore(keys, secret.get_secret_value(), ledger.clock)
        return vouchers_from_keystore(ledger, VoucherSettings(), store)
