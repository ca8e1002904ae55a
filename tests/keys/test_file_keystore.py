"""What only the file keystore promises: sealed secrets, clear errors, nothing overwritten."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from keys.components import split_key
from keys.errors import (
    CorruptKeystoreError,
    KeyExistsError,
    KeystoreExistsError,
    KeystoreNotFoundError,
    WrongPassphraseError,
)
from keys.file_keystore import FileKeystore
from keys.kcv import aes_kcv
from tests.keys.conftest import PASSPHRASE, TEST_SCRYPT_N, Clock

MASTER = bytes.fromhex("00112233445566778899AABBCCDDEEFF")


def test_secrets_and_passphrase_never_appear_in_the_file(
    file_store: FileKeystore, store_path: Path
) -> None:
    file_store.import_components("cm", split_key(MASTER, 2))
    file_store.generate_ed25519("qr", "qr")
    raw = store_path.read_bytes()
    for secret in (MASTER.hex(), MASTER.hex().upper(), PASSPHRASE):
        assert secret.encode() not in raw
    assert store_path.stat().st_mode & 0o777 == 0o600
    document = json.loads(raw)
    assert document["kdf"]["name"] == "scrypt" and len(document["keys"]) == 2


def test_reopening_with_the_passphrase_gives_the_same_keys(
    file_store: FileKeystore, store_path: Path, clock: Clock
) -> None:
    file_store.import_components("cm", split_key(MASTER, 3))
    public = file_store.generate_ed25519("qr", "qr")
    again = FileKeystore(store_path, PASSPHRASE, clock)
    assert again.list_keys() == file_store.list_keys()
    assert again.kcv("cm", 1) == aes_kcv(MASTER)
    assert again.signer("qr").public_key_raw() == public


def test_two_open_instances_see_each_others_changes(
    file_store: FileKeystore, store_path: Path, clock: Clock
) -> None:
    other = FileKeystore(store_path, PASSPHRASE, clock)
    other.generate_master_key("a")
    file_store.generate_master_key("b")
    assert [r.label for r in other.list_keys()] == ["a", "b"]
    with pytest.raises(KeyExistsError):
        other.generate_master_key("b")


def test_wrong_passphrase_is_a_clear_error_and_changes_nothing(
    file_store: FileKeystore, store_path: Path, clock: Clock
) -> None:
    file_store.generate_master_key("cm")
    before = store_path.read_bytes()
    with pytest.raises(WrongPassphraseError, match="wrong passphrase") as excinfo:
        FileKeystore(store_path, "not the passphrase", clock)
    assert "not the passphrase" not in str(excinfo.value)
    assert store_path.read_bytes() == before


def test_vietnamese_passphrase_typed_decomposed_still_opens(store_path: Path) -> None:
    passphrase = "Mật khẩu kho khóa của cửa hàng"
    FileKeystore.create(store_path, unicodedata.normalize("NFC", passphrase),
                        scrypt_n=TEST_SCRYPT_N)
    FileKeystore(store_path, unicodedata.normalize("NFD", passphrase)).generate_master_key("k")


def _corrupt_secret(document: dict[str, Any]) -> None:
    entry = document["keys"][0]
    sealed = entry["secret"]
    entry["secret"] = ("A" if sealed[0] != "A" else "B") + sealed[1:]


def _unrevoke(document: dict[str, Any]) -> None:
    document["keys"][0]["record"]["revoked_at"] = None


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda raw: raw[: len(raw) // 2], "damaged or not a keystore"),
        (lambda raw: b"\x00" + raw, "damaged or not a keystore"),
        (lambda raw: _edit(raw, _corrupt_secret), "damaged"),
        (lambda raw: _edit(raw, _unrevoke), "edited outside cardkeys"),
    ],
    ids=["truncated", "garbage", "sealed-secret", "metadata-edited"],
)
def test_a_corrupted_file_is_refused_and_never_overwritten(
    file_store: FileKeystore, store_path: Path, clock: Clock,
    damage: Callable[[bytes], bytes], message: str
) -> None:
    file_store.generate_master_key("cm")
    file_store.revoke("cm", 1)
    damaged = damage(store_path.read_bytes())
    store_path.write_bytes(damaged)
    with pytest.raises(CorruptKeystoreError, match=message):
        FileKeystore(store_path, PASSPHRASE, clock)
    with pytest.raises(CorruptKeystoreError):  # a store opened earlier refuses to write too
        file_store.generate_master_key("other")
    assert store_path.read_bytes() == damaged
    assert not list(store_path.parent.glob(".*.tmp"))


def _edit(raw: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    document = json.loads(raw)
    change(document)
    return json.dumps(document).encode()


def test_create_never_overwrites_and_open_needs_a_file(store_path: Path) -> None:
    FileKeystore.create(store_path, PASSPHRASE, scrypt_n=TEST_SCRYPT_N)
    before = store_path.read_bytes()
    with pytest.raises(KeystoreExistsError):
        FileKeystore.create(store_path, "another passphrase", scrypt_n=TEST_SCRYPT_N)
    assert store_path.read_bytes() == before
    with pytest.raises(KeystoreNotFoundError, match="cardkeys init"):
        FileKeystore(store_path.with_name("absent.json"), PASSPHRASE)


@pytest.mark.parametrize(("passphrase", "n"), [("short", TEST_SCRYPT_N), (PASSPHRASE, 1000)])
def test_weak_settings_are_refused(store_path: Path, passphrase: str, n: int) -> None:
    with pytest.raises(ValueError):
        FileKeystore.create(store_path, passphrase, scrypt_n=n)
    assert not store_path.exists()
