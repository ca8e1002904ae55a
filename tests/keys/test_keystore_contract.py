"""The keystore contract, run against the file keystore and a real SoftHSM2 token."""

from __future__ import annotations

import json

import pytest

from keys.components import split_key
from keys.diversify import an10922_aes128
from keys.errors import KcvMismatchError, KeyExistsError, KeyNotFoundError, KeyStateError
from keys.kcv import aes_kcv
from keys.keyring import Keyring, KeyringEntry, VerifyOutcome
from keys.keystore import BaseKeystore, Ed25519Signer
from keys.model import KeyStatus
from tests.keys.conftest import Clock

VECTOR_MASTER = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
UID, AID = bytes.fromhex("04782E21801D80"), bytes.fromhex("3042F5")
SYSTEM_ID = bytes.fromhex("4E585020416275")
VECTOR_KEY = bytes.fromhex("A8DD63A3B89D54B37CA802473FDA9175")


def keyring_of(store: BaseKeystore) -> Keyring:
    return Keyring(KeyringEntry.from_record(r) for r in store.list_keys() if r.kind == "ed25519")


def test_generated_master_key_has_a_checked_kcv_and_no_secret_in_metadata(
    store: BaseKeystore,
) -> None:
    record = store.generate_master_key("card-master")
    assert (record.version, record.kind, record.purpose) == (1, "aes128", "card-master")
    assert record.kcv is not None and len(record.kcv) == 6
    assert store.kcv("card-master", 1) == record.kcv
    listed = store.list_keys()
    assert listed == [record]
    assert set(listed[0].to_json()) == {
        "label", "version", "kind", "purpose", "created_at", "kcv", "key_id", "public_key",
        "components", "not_after", "revoked_at",
    }


def test_an10922_vector_through_components(store: BaseKeystore) -> None:
    components = split_key(VECTOR_MASTER, 3)
    record = store.import_components("vector", components, expected_kcv=aes_kcv(VECTOR_MASTER))
    assert record.components == 3 and record.kcv == aes_kcv(VECTOR_MASTER)
    assert store.kcv("vector", 1) == aes_kcv(VECTOR_MASTER)
    assert store.derive_card_key("vector", 1, UID, AID, SYSTEM_ID) == VECTOR_KEY
    other_uid = bytes.fromhex("04112233445566")
    assert store.derive_card_key("vector", 1, other_uid, AID, SYSTEM_ID) == an10922_aes128(
        VECTOR_MASTER, other_uid, AID, SYSTEM_ID
    )


def test_component_import_with_a_wrong_expected_kcv_stores_nothing(store: BaseKeystore) -> None:
    components = split_key(VECTOR_MASTER, 2)
    wrong = "000000" if aes_kcv(VECTOR_MASTER) != "000000" else "111111"
    with pytest.raises(KcvMismatchError, match="combined key"):
        store.import_components("vector", components, expected_kcv=wrong)
    assert store.list_keys() == []


def test_labels_versions_and_duplicates(store: BaseKeystore) -> None:
    store.generate_master_key("m", version=3)
    with pytest.raises(KeyExistsError):
        store.generate_master_key("m", version=3)
    with pytest.raises(KeyExistsError):
        store.generate_master_key("m", version=2)
    with pytest.raises(ValueError, match="invalid key label"):
        store.generate_master_key("bad label/1")
    with pytest.raises(ValueError, match=r"1\.\.255"):
        store.generate_master_key("n", version=256)
    with pytest.raises(KeyNotFoundError):
        store.kcv("m", 1)
    with pytest.raises(KeyExistsError, match="overlap"):
        store.import_components("m", split_key(VECTOR_MASTER, 2))


def test_signing_key_signs_and_its_key_id_comes_from_the_public_key(store: BaseKeystore) -> None:
    public = store.generate_ed25519("qr-signer", "qr")
    signer = store.signer("qr-signer")
    assert isinstance(signer, Ed25519Signer)
    assert signer.public_key_raw() == public and len(public) == 32
    signature = signer.sign(b"voucher 42")
    assert len(signature) == 64
    ring = keyring_of(store)
    assert ring.verify(signer.key_id, b"voucher 42", signature, Clock().now) is VerifyOutcome.OK
    assert ring.verify(signer.key_id, b"voucher 43", signature, Clock().now) is (
        VerifyOutcome.BAD_SIGNATURE
    )
    store.generate_master_key("m")
    with pytest.raises(KeyStateError, match="not a signing key"):
        store.signer("m")


def test_rotation_drill(store: BaseKeystore, clock: Clock) -> None:
    store.generate_ed25519("qr", "qr")
    old = store.signer("qr")
    item = b"e-ticket 7 signed before the rotation"
    old_signature = old.sign(item)
    clock.now += 1000
    rotated = store.rotate("qr", overlap_seconds=3600)
    new = store.signer("qr")
    assert rotated.version == 2 and new.key_id != old.key_id
    assert store.record("qr", 1).status(clock.now) is KeyStatus.RETIRING
    ring = keyring_of(store)
    assert ring.verify(old.key_id, item, old_signature, clock.now + 100) is VerifyOutcome.OK
    assert ring.verify(old.key_id, item, old_signature, clock.now + 3600) is VerifyOutcome.EXPIRED
    new_item = b"e-ticket 8"
    assert ring.verify(new.key_id, new_item, new.sign(new_item), clock.now) is VerifyOutcome.OK
    clock.now += 200
    store.revoke("qr", 1)
    ring = keyring_of(store)
    assert ring.verify(old.key_id, item, old_signature, clock.now) is VerifyOutcome.REVOKED
    assert ring.verify(old.key_id, item, old_signature, clock.now - 1) is VerifyOutcome.OK
    store.revoke("qr", 2)
    with pytest.raises(KeyStateError, match="no active version"):
        store.signer("qr")


def test_master_key_rotation_keeps_the_old_version_for_the_overlap(
    store: BaseKeystore, clock: Clock
) -> None:
    store.import_components("cm", split_key(VECTOR_MASTER, 2))
    with pytest.raises(ValueError, match="overlap"):
        store.rotate("cm", overlap_seconds=-1)
    assert [r.version for r in store.list_keys()] == [1]
    v2 = store.rotate("cm", overlap_seconds=600)
    assert v2.version == 2 and v2.kcv != aes_kcv(VECTOR_MASTER)
    assert store.current("cm").version == 2
    assert store.derive_card_key("cm", 1, UID, AID, SYSTEM_ID) == VECTOR_KEY
    clock.now += 600
    with pytest.raises(KeyStateError, match="expired"):
        store.derive_card_key("cm", 1, UID, AID, SYSTEM_ID)
    assert store.kcv("cm", 1) == aes_kcv(VECTOR_MASTER)  # a KCV check is always allowed
    store.revoke("cm", 2)
    with pytest.raises(KeyStateError, match="revoked"):
        store.derive_card_key("cm", 2, UID, AID, SYSTEM_ID)


def test_importing_a_new_version_from_components_is_a_rotation(
    store: BaseKeystore, clock: Clock
) -> None:
    store.generate_master_key("cm")
    record = store.import_components("cm", split_key(VECTOR_MASTER, 3), overlap_seconds=60)
    assert record.version == 2 and record.components == 3
    assert store.record("cm", 1).not_after == clock.now + 60
    assert store.derive_card_key("cm", 2, UID, AID, SYSTEM_ID) == VECTOR_KEY


def test_derivation_refuses_a_signing_key_and_bad_input(store: BaseKeystore) -> None:
    store.generate_ed25519("t", "terminal")
    with pytest.raises(KeyStateError, match="not aes128"):
        store.derive_card_key("t", 1, UID, AID, SYSTEM_ID)
    store.generate_master_key("m")
    with pytest.raises(ValueError, match="3 bytes"):
        store.derive_card_key("m", 1, UID, b"\x01", SYSTEM_ID)


def test_records_are_json_round_trippable(store: BaseKeystore) -> None:
    store.generate_ed25519("t", "terminal")
    record = store.list_keys()[0]
    assert type(record).from_json(json.loads(json.dumps(record.to_json()))) == record
