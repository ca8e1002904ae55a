"""What only the HSM keystore promises: secrets stay in the token; clear token errors."""

from __future__ import annotations

import os
from typing import Any

import pkcs11
import pytest
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.exceptions import AttributeSensitive, PKCS11Error

from keys.components import split_key
from keys.errors import TokenLoginError, TokenNotFoundError
from keys.kcv import aes_kcv
from keys.pkcs11_keystore import Pkcs11Keystore, object_label
from tests.keys.conftest import Clock, SoftHsmToken

pytestmark = pytest.mark.hsm


def attacker_session(token: SoftHsmToken) -> Any:
    """A separate session of someone who knows the PIN and tries to get keys out.

    PKCS#11 login state is per application and token: the keystore already logged this
    process in, so the new session is a user session without logging in again.
    """
    return pkcs11.lib(token.module).get_token(token_label=token.label).open(rw=True)


def assert_not_exportable(session: Any, key: Any) -> None:
    with pytest.raises(AttributeSensitive):
        _ = key[Attribute.VALUE]
    assert key[Attribute.SENSITIVE] is True
    assert key[Attribute.EXTRACTABLE] is False
    wrapping = session.generate_key(KeyType.AES, 128, store=False, label="attacker-wrap")
    with pytest.raises(PKCS11Error):  # KeyUnextractable on SoftHSM2
        wrapping.wrap_key(key, mechanism=Mechanism.AES_KEY_WRAP)
    with pytest.raises(PKCS11Error):  # CKA_EXTRACTABLE may only go from true to false
        key[Attribute.EXTRACTABLE] = True
    with pytest.raises(PKCS11Error):
        key[Attribute.SENSITIVE] = False


def test_generated_master_key_cannot_be_exported(
    hsm_store: Pkcs11Keystore, softhsm_token: SoftHsmToken
) -> None:
    record = hsm_store.generate_master_key("card-master")
    with attacker_session(softhsm_token) as session:
        key = session.get_key(object_class=ObjectClass.SECRET_KEY, label=object_label(record))
        assert key[Attribute.NEVER_EXTRACTABLE] is True
        assert key[Attribute.ALWAYS_SENSITIVE] is True
        assert key[Attribute.LOCAL] is True  # generated inside the token
        assert key[Attribute.DECRYPT] is False
        assert_not_exportable(session, key)


@pytest.mark.parametrize("source", ["generated", "imported"])
@pytest.mark.parametrize("attribute", [Attribute.DECRYPT, Attribute.DERIVE, Attribute.UNWRAP])
def test_master_key_uses_cannot_be_widened(
    hsm_store: Pkcs11Keystore, softhsm_token: SoftHsmToken, source: str, attribute: Attribute
) -> None:
    """Anyone with the PIN could otherwise turn on decrypt or derive on the card master key."""
    if source == "generated":
        record = hsm_store.generate_master_key("card-master")
    else:
        record = hsm_store.import_components("card-master", split_key(os.urandom(16), 2))
    with attacker_session(softhsm_token) as session:
        key = session.get_key(object_class=ObjectClass.SECRET_KEY, label=object_label(record))
        assert key[Attribute.MODIFIABLE] is False
        with pytest.raises(PKCS11Error):  # ActionProhibited on SoftHSM2
            key[attribute] = True
        assert key[attribute] is False


def test_imported_master_key_cannot_be_exported(
    hsm_store: Pkcs11Keystore, softhsm_token: SoftHsmToken
) -> None:
    master = os.urandom(16)
    record = hsm_store.import_components("imported", split_key(master, 2))
    assert record.kcv == aes_kcv(master)  # token CMAC agrees with the software KCV
    with attacker_session(softhsm_token) as session:
        key = session.get_key(object_class=ObjectClass.SECRET_KEY, label=object_label(record))
        assert_not_exportable(session, key)


def test_ed25519_private_key_cannot_be_exported(
    hsm_store: Pkcs11Keystore, softhsm_token: SoftHsmToken
) -> None:
    hsm_store.generate_ed25519("terminal", "terminal")
    record = hsm_store.current("terminal")
    with attacker_session(softhsm_token) as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=object_label(record))
        assert private[Attribute.NEVER_EXTRACTABLE] is True
        assert_not_exportable(session, private)


def test_token_has_every_mechanism_the_keystore_needs(hsm_store: Pkcs11Keystore) -> None:
    assert hsm_store.missing_mechanisms() == []


def test_metadata_lives_in_the_token(softhsm_token: SoftHsmToken, clock: Clock) -> None:
    first = Pkcs11Keystore(softhsm_token.module, softhsm_token.label, softhsm_token.pin, clock)
    first.generate_ed25519("qr", "qr")
    first.rotate("qr", overlap_seconds=60)
    first.revoke("qr", 1)
    expected = first.list_keys()
    first.close()
    again = Pkcs11Keystore(softhsm_token.module, softhsm_token.label, softhsm_token.pin, clock)
    try:
        assert again.list_keys() == expected
        assert expected[0].revoked_at == clock.now and expected[0].not_after == clock.now + 60
    finally:
        again.close()


def test_missing_token_wrong_pin_and_missing_module_are_clear_errors(
    softhsm_token: SoftHsmToken,
) -> None:
    with pytest.raises(TokenNotFoundError, match="no token labelled 'absent'"):
        Pkcs11Keystore(softhsm_token.module, "absent", softhsm_token.pin)
    wrong_pin = "0000" if softhsm_token.pin != "0000" else "1111"
    with pytest.raises(TokenLoginError, match="refused the PIN") as excinfo:
        Pkcs11Keystore(softhsm_token.module, softhsm_token.label, wrong_pin)
    assert wrong_pin not in str(excinfo.value)
    with pytest.raises(TokenNotFoundError, match="cannot load"):
        Pkcs11Keystore("/nonexistent/libpkcs11.so", softhsm_token.label, softhsm_token.pin)
    with pytest.raises(TokenNotFoundError, match="no PKCS#11 module"):
        Pkcs11Keystore("", softhsm_token.label, softhsm_token.pin)
