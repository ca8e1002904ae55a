"""The PKCS#11 keystore: keys generated and used inside an HSM (SoftHSM2 in tests and demos).

Master keys and Ed25519 private keys are created in the token as sensitive, non-extractable
token objects; KCVs (CKM_AES_CMAC), AN10922 derivation (CKM_AES_ECB then CKM_AES_CBC) and
signatures (CKM_EDDSA) run inside the token. Imported components are combined in this process
(tokens rarely offer CKM_XOR_BASE_AND_DATA; SoftHSM2 does not) and the key is created in the
token as non-extractable at once. Key metadata is kept in the token too, as private data
objects (application "cardkeys"), so the token is the single source of truth.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.exceptions import (
    DeviceRemoved,
    NoSuchKey,
    NoSuchToken,
    PinIncorrect,
    PinLenRange,
    PKCS11Error,
    TokenNotPresent,
)
from pkcs11.util.ec import encode_named_curve_parameters

from keys.diversify import AES_BLOCK
from keys.errors import KeyExistsError, KeysError, TokenLoginError, TokenNotFoundError
from keys.kcv import AES128_KEY_LEN, kcv_from_cmac
from keys.keyid import key_id_for_public_key
from keys.keystore import BaseKeystore, Clock, Ed25519Signer, system_clock
from keys.model import KeyRecord
from keys.signers import Pkcs11Ed25519Signer, public_key_from_ec_point

APPLICATION = "cardkeys"
ED25519_OID = "1.3.101.112"
REQUIRED_MECHANISMS = (Mechanism.AES_KEY_GEN, Mechanism.AES_ECB, Mechanism.AES_CBC,
                       Mechanism.AES_CMAC, Mechanism.EC_EDWARDS_KEY_PAIR_GEN, Mechanism.EDDSA)
# MODIFIABLE False: nobody with the PIN can later turn on DECRYPT or DERIVE on a master key.
_LOCKED_DOWN = {Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False, Attribute.MODIFIABLE: False}
_AES_USES = {Attribute.ENCRYPT: True, Attribute.SIGN: True, Attribute.DECRYPT: False,
             Attribute.VERIFY: False, Attribute.WRAP: False, Attribute.UNWRAP: False,
             Attribute.DERIVE: False}


def object_label(record: KeyRecord) -> str:
    """The CKA_LABEL of a key's objects in the token."""
    return f"{APPLICATION}/{record.ref}"


def open_token(module_path: str, token_label: str, pin: str) -> Any:
    """Load the module, find the token, log in; translate failures into clear errors."""
    if not module_path:
        raise TokenNotFoundError("no PKCS#11 module configured (CARDKEYS_PKCS11_MODULE)")
    try:
        lib = pkcs11.lib(module_path)
    except PKCS11Error as exc:
        raise TokenNotFoundError(f"cannot load PKCS#11 module {module_path}: {exc}") from None
    try:
        token = lib.get_token(token_label=token_label)
    except NoSuchToken:
        raise TokenNotFoundError(f"no token labelled {token_label!r} in {module_path}") from None
    try:
        return token.open(rw=True, user_pin=pin)
    except (PinIncorrect, PinLenRange):
        raise TokenLoginError(f"token {token_label!r} refused the PIN") from None
    except (TokenNotPresent, DeviceRemoved):
        raise TokenNotFoundError(f"token {token_label!r} was removed") from None


class Pkcs11Keystore(BaseKeystore):
    """Keys inside a PKCS#11 token."""

    def __init__(self, module_path: str, token_label: str, pin: str,
                 clock: Clock = system_clock) -> None:
        super().__init__(clock)
        self._session = open_token(module_path, token_label, pin)
        self._token_label = token_label
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Pkcs11Keystore(token={self._token_label!r})"

    def close(self) -> None:
        """Log out and close the session."""
        with self._lock:
            self._session.close()

    def missing_mechanisms(self) -> list[str]:
        """Mechanisms this keystore needs that the token lacks."""
        available = self._session.token.slot.get_mechanisms()
        return [m.name for m in REQUIRED_MECHANISMS if m not in available]

    @contextmanager
    def _token(self, what: str) -> Iterator[Any]:
        with self._lock:
            try:
                yield self._session
            except (TokenNotPresent, DeviceRemoved):
                raise TokenNotFoundError(f"token {self._token_label!r} was removed") from None
            except KeysError:
                raise
            except PKCS11Error as exc:
                raise KeysError(f"the token refused to {what}: {type(exc).__name__}") from None

    # -- metadata --------------------------------------------------------------------------
    def _data_objects(self, session: Any, label: str | None = None) -> list[Any]:
        query = {Attribute.CLASS: ObjectClass.DATA, Attribute.APPLICATION: APPLICATION}
        if label is not None:
            query[Attribute.LABEL] = label
        return list(session.get_objects(query))

    def _records(self) -> list[KeyRecord]:
        merged: dict[str, KeyRecord] = {}
        with self._token("read key records") as session:
            for obj in self._data_objects(session):
                rec = KeyRecord.from_json(json.loads(bytes(obj[Attribute.VALUE])))
                merged[rec.ref] = merged[rec.ref].merged(rec) if rec.ref in merged else rec
        return list(merged.values())

    def _write_record(self, session: Any, record: KeyRecord) -> None:
        """Write the record, then drop older copies (a crash between leaves mergeable twins)."""
        old = self._data_objects(session, object_label(record))
        session.create_object({
            Attribute.CLASS: ObjectClass.DATA, Attribute.TOKEN: True, Attribute.PRIVATE: True,
            Attribute.APPLICATION: APPLICATION, Attribute.LABEL: object_label(record),
            Attribute.VALUE: json.dumps(record.to_json(), sort_keys=True).encode(),
        })
        for obj in old:
            obj.destroy()

    def _update_records(self, records: Sequence[KeyRecord]) -> None:
        current = {r.ref: r for r in self._records()}
        with self._token("update key records") as session:
            for rec in records:
                self._write_record(session, current[rec.ref].merged(rec))

    # -- key creation ----------------------------------------------------------------------
    def _create_key(self, template: KeyRecord, secret: bytes | None) -> KeyRecord:
        label = object_label(template)
        with self._token(f"create {template.ref}") as session:
            if self._data_objects(session, label):
                raise KeyExistsError(f"key {template.ref} exists in the token")
            try:
                if template.kind == "aes128":
                    record = self._create_aes(session, template, label, secret)
                else:
                    record = self._create_ed25519(session, template, label)
                self._write_record(session, record)
            except BaseException:
                self._destroy_key_objects(session, label)
                raise
        return record

    def _create_aes(self, session: Any, template: KeyRecord, label: str,
                    secret: bytes | None) -> KeyRecord:
        attrs = {**_LOCKED_DOWN, **_AES_USES, Attribute.LABEL: label, Attribute.ID: label.encode()}
        if secret is None:
            key = session.generate_key(KeyType.AES, 8 * AES128_KEY_LEN, store=True,
                                       capabilities=MechanismFlag(0), template=attrs)
        else:
            key = session.create_object({**attrs, Attribute.CLASS: ObjectClass.SECRET_KEY,
                                         Attribute.KEY_TYPE: KeyType.AES, Attribute.VALUE: secret})
        cmac = bytes(key.sign(bytes(AES_BLOCK), mechanism=Mechanism.AES_CMAC))
        return replace(template, kcv=kcv_from_cmac(cmac))

    def _create_ed25519(self, session: Any, template: KeyRecord, label: str) -> KeyRecord:
        ident = {Attribute.LABEL: label, Attribute.ID: label.encode(), Attribute.TOKEN: True}
        public, _private = session.generate_keypair(
            KeyType.EC_EDWARDS, store=True, capabilities=MechanismFlag(0),
            public_template={**ident, Attribute.VERIFY: True, Attribute.PRIVATE: False,
                             Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)},
            private_template={**ident, **_LOCKED_DOWN, Attribute.SIGN: True,
                              Attribute.DERIVE: False, Attribute.UNWRAP: False},
        )
        raw = public_key_from_ec_point(bytes(public[Attribute.EC_POINT]))
        return replace(template, public_key=raw, key_id=key_id_for_public_key(raw))

    def _destroy_key_objects(self, session: Any, label: str) -> None:
        for cls in (ObjectClass.SECRET_KEY, ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
            for obj in list(session.get_objects({Attribute.CLASS: cls, Attribute.LABEL: label})):
                obj.destroy()

    # -- using keys ------------------------------------------------------------------------
    def _key(self, session: Any, record: KeyRecord, cls: ObjectClass) -> Any:
        try:
            return session.get_key(object_class=cls, label=object_label(record))
        except NoSuchKey:
            raise KeysError(f"{record.ref} has a record but no key object in the token") from None

    def _aes_ecb(self, record: KeyRecord, block: bytes) -> bytes:
        with self._token(f"encrypt with {record.ref}") as session:
            key = self._key(session, record, ObjectClass.SECRET_KEY)
            return bytes(key.encrypt(block, mechanism=Mechanism.AES_ECB))

    def _aes_cbc_last_block(self, record: KeyRecord, data: bytes) -> bytes:
        with self._token(f"encrypt with {record.ref}") as session:
            key = self._key(session, record, ObjectClass.SECRET_KEY)
            out = key.encrypt(data, mechanism=Mechanism.AES_CBC, mechanism_param=bytes(AES_BLOCK))
            return bytes(out)[-AES_BLOCK:]

    def _aes_cmac(self, record: KeyRecord, data: bytes) -> bytes:
        with self._token(f"compute a CMAC with {record.ref}") as session:
            key = self._key(session, record, ObjectClass.SECRET_KEY)
            return bytes(key.sign(data, mechanism=Mechanism.AES_CMAC))

    def _signer_for(self, record: KeyRecord) -> Ed25519Signer:
        if record.public_key is None:
            raise KeysError(f"{record.ref} has no public key recorded")
        with self._token(f"find {record.ref}") as session:
            private = self._key(session, record, ObjectClass.PRIVATE_KEY)
        return Pkcs11Ed25519Signer(private, record.public_key, self._lock)
