"""The encrypted file keystore.

Every change runs under an exclusive lock file: re-read and verify the file, apply the change,
write a new file atomically. A wrong passphrase or a damaged file fails the read, so nothing
is ever written over a keystore this process could not fully verify.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_der_private_key,
)

from keys import file_format as ff
from keys.diversify import aes_cbc_last_block, aes_ecb_encrypt
from keys.errors import (
    CorruptKeystoreError,
    KeyExistsError,
    KeystoreExistsError,
    KeystoreNotFoundError,
)
from keys.kcv import AES128_KEY_LEN, aes_kcv
from keys.keyid import key_id_for_public_key
from keys.keystore import BaseKeystore, Clock, Ed25519Signer, system_clock
from keys.model import KeyRecord
from keys.signers import SoftwareEd25519Signer

_Change = Callable[[list[ff.StoredKey], ff.FileKeys], list[ff.StoredKey]]


class FileKeystore(BaseKeystore):
    """Keys sealed in one passphrase-protected file."""

    def __init__(self, path: Path, passphrase: str, clock: Clock = system_clock) -> None:
        """Open an existing keystore (use `create` for a new one)."""
        super().__init__(clock)
        self._path = path
        self._passphrase = passphrase
        self._keys_cache: dict[ff.KdfParams, ff.FileKeys] = {}
        self._contents, self._keys = self._load()

    @classmethod
    def create(
        cls, path: Path, passphrase: str, *, scrypt_n: int = ff.DEFAULT_SCRYPT_N,
        clock: Clock = system_clock,
    ) -> FileKeystore:
        """Create a new, empty keystore file; refuse to touch an existing one."""
        if path.exists():
            raise KeystoreExistsError(f"a keystore already exists at {path}; not overwriting it")
        contents, keys = ff.new_contents(passphrase, scrypt_n)
        try:
            ff.atomic_write(path, ff.serialise(contents, keys), exclusive=True)
        except FileExistsError:
            raise KeystoreExistsError(f"a keystore already exists at {path}") from None
        return cls(path, passphrase, clock)

    def __repr__(self) -> str:
        return f"FileKeystore({self._path})"

    def close(self) -> None:
        """Forget the passphrase and the unsealed state held by this object."""
        self._passphrase = ""
        self._keys_cache = {}
        self._contents = ff.Contents(self._contents.kdf, b"", ())

    @property
    def path(self) -> Path:
        """Where the keystore file is."""
        return self._path

    # -- reading and writing ---------------------------------------------------------------
    def _load(self) -> tuple[ff.Contents, ff.FileKeys]:
        try:
            raw = ff.read_file(self._path)
        except FileNotFoundError:
            raise KeystoreNotFoundError(
                f"no keystore at {self._path}; create one with 'cardkeys init'"
            ) from None
        contents, mac = ff.parse(raw)
        keys = self._keys_cache.get(contents.kdf)
        if keys is None:
            keys = ff.derive_file_keys(self._passphrase, contents.kdf)
        ff.unlock(contents, mac, keys)
        self._keys_cache = {contents.kdf: keys}
        for stored in contents.keys:
            ff.open_secret(keys, stored)  # every secret must authenticate, not just the used one
        return contents, keys

    @contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self._path.with_name(self._path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _change(self, change: _Change) -> None:
        with self._locked():
            contents, keys = self._load()
            updated = replace(contents, keys=tuple(change(list(contents.keys), keys)))
            ff.atomic_write(self._path, ff.serialise(updated, keys))
            self._contents, self._keys = updated, keys

    def _refresh(self) -> None:
        with self._locked():
            self._contents, self._keys = self._load()

    def _secret(self, record: KeyRecord) -> bytes:
        for stored in self._contents.keys:
            if (stored.record.label, stored.record.version) == (record.label, record.version):
                return ff.open_secret(self._keys, stored)
        raise CorruptKeystoreError(f"{record.ref} has a record but no secret")

    # -- primitives ------------------------------------------------------------------------
    def _records(self) -> list[KeyRecord]:
        self._refresh()
        return [stored.record for stored in self._contents.keys]

    def _create_key(self, template: KeyRecord, secret: bytes | None) -> KeyRecord:
        if template.kind == "aes128":
            value = secret if secret is not None else os.urandom(AES128_KEY_LEN)
            record = replace(template, kcv=aes_kcv(value))
        else:
            private = Ed25519PrivateKey.generate()
            public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            value = private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
            record = replace(template, public_key=public, key_id=key_id_for_public_key(public))

        def add(entries: list[ff.StoredKey], keys: ff.FileKeys) -> list[ff.StoredKey]:
            if any(e.record.label == record.label and e.record.version >= record.version
                   for e in entries):
                raise KeyExistsError(f"key {record.ref} exists or is older than the newest")
            return [*entries, ff.seal_secret(keys, record, value)]

        self._change(add)
        return record

    def _update_records(self, records: Sequence[KeyRecord]) -> None:
        by_ref = {r.ref: r for r in records}

        def update(entries: list[ff.StoredKey], keys: ff.FileKeys) -> list[ff.StoredKey]:
            return [replace(e, record=e.record.merged(by_ref[e.record.ref]))
                    if e.record.ref in by_ref else e for e in entries]

        self._change(update)

    def _aes_ecb(self, record: KeyRecord, block: bytes) -> bytes:
        return aes_ecb_encrypt(self._secret(record), block)

    def _aes_cbc_last_block(self, record: KeyRecord, data: bytes) -> bytes:
        return aes_cbc_last_block(self._secret(record), data)

    def _aes_cmac(self, record: KeyRecord, data: bytes) -> bytes:
        mac = CMAC(algorithms.AES(self._secret(record)))
        mac.update(data)
        return mac.finalize()

    def _signer_for(self, record: KeyRecord) -> Ed25519Signer:
        private = load_der_private_key(self._secret(record), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise CorruptKeystoreError(f"{record.ref} does not hold an Ed25519 key")
        return SoftwareEd25519Signer(private)
