"""The encrypted keystore file: layout, key derivation, sealing, integrity, atomic writes.

One JSON file. A passphrase (NFC-normalised, so Vietnamese text typed on any keyboard gives
the same bytes) goes through scrypt to 64 bytes: an AES-256-GCM key that seals each secret
(AES keys raw, Ed25519 keys as PKCS#8 DER) with its label/version/kind as associated data, and
an HMAC-SHA256 key over the whole file so metadata (revocations, validity ends) cannot be
edited outside cardkeys. A sealed check value tells a wrong passphrase from a damaged file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys.errors import CorruptKeystoreError, WrongPassphraseError
from keys.model import KeyRecord

FORMAT = "cardkeys-file/1"
SCRYPT_MIN_N, SCRYPT_MAX_N = 2**10, 2**20
DEFAULT_SCRYPT_N = 2**15
MIN_PASSPHRASE_LEN = 10
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_KEYS = 10_000
_NONCE = 12
_CHECK_PLAINTEXT = b"cardkeys passphrase check"


@dataclass(frozen=True)
class KdfParams:
    """scrypt parameters stored in the file (a fresh salt per keystore)."""

    salt: bytes
    n: int = DEFAULT_SCRYPT_N
    r: int = 8
    p: int = 1

    def check(self) -> KdfParams:
        """Refuse parameters that are too weak or would exhaust memory."""
        if not SCRYPT_MIN_N <= self.n <= SCRYPT_MAX_N or self.n & (self.n - 1):
            raise ValueError(f"scrypt n must be a power of two in {SCRYPT_MIN_N}..{SCRYPT_MAX_N}")
        if not (1 <= self.r <= 16 and 1 <= self.p <= 4 and len(self.salt) >= 16):
            raise ValueError("scrypt r/p/salt out of range")
        return self


@dataclass(frozen=True)
class FileKeys:
    """The two keys derived from the passphrase."""

    seal: bytes
    mac: bytes


@dataclass(frozen=True)
class StoredKey:
    """One key in the file: its record and its sealed secret."""

    record: KeyRecord
    sealed: bytes


@dataclass(frozen=True)
class Contents:
    """Everything in the file apart from the MAC."""

    kdf: KdfParams
    check: bytes
    keys: tuple[StoredKey, ...]


def normalise_passphrase(passphrase: str) -> bytes:
    """The passphrase as bytes, NFC-normalised."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_file_keys(passphrase: str, kdf: KdfParams) -> FileKeys:
    """Run scrypt over the passphrase."""
    raw = Scrypt(salt=kdf.salt, length=64, n=kdf.n, r=kdf.r, p=kdf.p).derive(
        normalise_passphrase(passphrase)
    )
    return FileKeys(seal=raw[:32], mac=raw[32:])


def new_contents(passphrase: str, scrypt_n: int) -> tuple[Contents, FileKeys]:
    """An empty keystore sealed under the passphrase."""
    if len(passphrase) < MIN_PASSPHRASE_LEN:
        raise ValueError(f"the passphrase must have at least {MIN_PASSPHRASE_LEN} characters")
    kdf = KdfParams(salt=secrets.token_bytes(16), n=scrypt_n).check()
    keys = derive_file_keys(passphrase, kdf)
    check = _seal(keys.seal, _CHECK_PLAINTEXT, b"check")
    return Contents(kdf, check, ()), keys


def _aad(record: KeyRecord) -> bytes:
    return f"{FORMAT}|{record.label}|{record.version}|{record.kind}".encode()


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def seal_secret(keys: FileKeys, record: KeyRecord, secret: bytes) -> StoredKey:
    """Seal a key's secret bound to its identity."""
    return StoredKey(record, _seal(keys.seal, secret, _aad(record)))


def open_secret(keys: FileKeys, stored: StoredKey) -> bytes:
    """Unseal a key's secret; a failure means the file was damaged."""
    try:
        return AESGCM(keys.seal).decrypt(stored.sealed[:_NONCE], stored.sealed[_NONCE:],
                                         _aad(stored.record))
    except InvalidTag:
        raise CorruptKeystoreError(f"the sealed secret of {stored.record.ref} is damaged") from None


def _body(contents: Contents) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "kdf": {"name": "scrypt", "salt": _b64(contents.kdf.salt), "n": contents.kdf.n,
                "r": contents.kdf.r, "p": contents.kdf.p},
        "check": _b64(contents.check),
        "keys": [{"record": k.record.to_json(), "secret": _b64(k.sealed)} for k in contents.keys],
    }


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def serialise(contents: Contents, keys: FileKeys) -> bytes:
    """The file's bytes, with the MAC over the canonical body."""
    body = _body(contents)
    body["mac"] = hmac.new(keys.mac, _canonical(body), hashlib.sha256).hexdigest()
    return json.dumps(body, indent=1, sort_keys=True).encode() + b"\n"


def parse(raw: bytes) -> tuple[Contents, str]:
    """Parse the file's bytes into contents and the stored MAC; raise CorruptKeystoreError."""
    try:
        body = json.loads(raw)
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        kdf_json = body["kdf"]
        kdf = KdfParams(_unb64(kdf_json["salt"]), int(kdf_json["n"]), int(kdf_json["r"]),
                        int(kdf_json["p"])).check()
        entries = body["keys"][: MAX_KEYS + 1]
        if len(entries) > MAX_KEYS:
            raise ValueError("too many keys")
        stored = tuple(
            StoredKey(KeyRecord.from_json(e["record"]), _unb64(e["secret"])) for e in entries
        )
        return Contents(kdf, _unb64(body["check"]), stored), str(body["mac"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise CorruptKeystoreError(
            f"the keystore file is damaged or not a keystore: {exc}"
        ) from None


def unlock(contents: Contents, mac: str, keys: FileKeys) -> None:
    """Check the passphrase, then the file's integrity."""
    try:
        AESGCM(keys.seal).decrypt(contents.check[:_NONCE], contents.check[_NONCE:], b"check")
    except InvalidTag:
        raise WrongPassphraseError("wrong passphrase for this keystore") from None
    expected = hmac.new(keys.mac, _canonical(_body(contents)), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        raise CorruptKeystoreError(
            "the keystore file fails its integrity check: it was damaged or edited outside cardkeys"
        )


def read_file(path: Path) -> bytes:
    """Read the file, refusing absurd sizes."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise CorruptKeystoreError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    return raw


def atomic_write(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write via a temporary file, fsync and rename, so a crash leaves the old or the new file."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(tmp, path)  # fails if the target exists: never overwrite a keystore
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text, validate=True)
