"""QR signing keys for the tests: a real file keystore with a "qr" Ed25519 key and the
"qr-keyset" key that signs the key set offline validators download."""

from __future__ import annotations

from pathlib import Path

from keys.file_keystore import FileKeystore

PASSPHRASE = "vouchers test passphrase"
TEST_SCRYPT_N = 2**10  # the minimum the format accepts; keeps the tests fast


def qr_keystore(path: Path, clock: object) -> FileKeystore:
    store = FileKeystore.create(path, PASSPHRASE, scrypt_n=TEST_SCRYPT_N, clock=clock)  # type: ignore[arg-type]
    store.generate_ed25519("qr", "qr")
    store.generate_ed25519("qr-keyset", "keyset")
    return store
