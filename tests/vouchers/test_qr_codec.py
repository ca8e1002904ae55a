"""The QR payload codec and the offline verifier: round trips, every byte, every reason."""

from __future__ import annotations

from pathlib import Path

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cardsvc.protocol import qr
from cardsvc.protocol.qr import QrClaims, QrKind, QrReason
from cardsvc.vouchers.service import qr_keyring
from keys.keyring import Keyring, KeyringEntry
from keys.signers import SoftwareEd25519Signer
from tests.vouchers.keys_fixture import qr_keystore

T0 = 1_800_000_000


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        return self.now


CLAIMS = QrClaims(
    kind=QrKind.VOUCHER, instrument="V-0123456789ABCDEF", program="TET-50K", issued_at=T0,
    valid_from=T0, valid_until=T0 + 30 * 86400, value=50_000, min_spend=200_000, entries=1,
)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[object, Keyring]:
    clock = Clock()
    store = qr_keystore(tmp_path / "k.json", clock)
    return store.signer("qr"), qr_keyring(store, "qr")


def test_round_trip_keeps_every_claim(keys: tuple[qr.QrSigner, Keyring]) -> None:
    signer, ring = keys
    text = qr.encode(CLAIMS, signer)
    check = qr.verify(text, ring, T0 + 60)
    assert check.reason is QrReason.OK, check.explain()
    assert check.claims == CLAIMS
    assert check.key_id == signer.key_id


def test_payload_is_qr_alphanumeric_and_compact(keys: tuple[qr.QrSigner, Keyring]) -> None:
    text = qr.encode(CLAIMS, keys[0])
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert len(text) < 260  # fits a version 7 symbol at level M in alphanumeric mode


def test_every_changed_byte_is_refused(keys: tuple[qr.QrSigner, Keyring]) -> None:
    signer, ring = keys
    text = qr.encode(CLAIMS, signer)
    raw = base45.b45decode(text[len(qr.PREFIX):])
    for i in range(len(raw)):
        for flip in (0x01, 0x80, 0xFF):
            damaged = bytearray(raw)
            damaged[i] ^= flip
            forged = qr.PREFIX + base45.b45encode(bytes(damaged)).decode()
            check = qr.verify(forged, ring, T0 + 60)
            assert not check.ok, f"byte {i} ^ {flip:#x} accepted"


def test_every_changed_character_is_refused(keys: tuple[qr.QrSigner, Keyring]) -> None:
    signer, ring = keys
    text = qr.encode(CLAIMS, signer)
    for i in range(len(text)):
        for other in ("0", "A", ":", " "):
            if text[i] == other:
                continue
            forged = text[:i] + other + text[i + 1 :]
            assert not qr.verify(forged, ring, T0 + 60).ok, f"char {i} -> {other!r} accepted"
    for extra in ("\n", " ", "0", text + text):
        assert not qr.verify(text + extra, ring, T0 + 60).ok
    assert not qr.verify(text[:-1], ring, T0 + 60).ok
    assert not qr.verify(text.lower(), ring, T0 + 60).ok


def test_time_window_and_revocation_list(keys: tuple[qr.QrSigner, Keyring]) -> None:
    signer, ring = keys
    text = qr.encode(CLAIMS, signer)
    assert qr.verify(text, ring, T0 - 1).reason is QrReason.NOT_YET_VALID
    assert qr.verify(text, ring, T0 + 30 * 86400).reason is QrReason.EXPIRED
    revoked = {CLAIMS.instrument}
    assert qr.verify(text, ring, T0 + 5, revoked).reason is QrReason.REVOKED
    early = qr.encode(QrClaims(QrKind.ETICKET, "T-1", "EV", T0 + 3600), signer)
    assert qr.verify(early, ring, T0).reason is QrReason.ISSUED_IN_FUTURE


def test_key_reasons(tmp_path: Path) -> None:
    clock = Clock()
    store = qr_keystore(tmp_path / "k.json", clock)
    signer = store.signer("qr")
    text = qr.encode(CLAIMS, signer)
    assert qr.verify(text, Keyring(), T0).reason is QrReason.UNKNOWN_KEY
    # A rotation: codes signed before it stay valid for their whole validity...
    clock.now = T0 + 10
    store.rotate("qr", overlap_seconds=3600)
    ring = qr_keyring(store, "qr")
    assert qr.verify(text, ring, T0 + 20 * 86400).ok
    # ...but a payload dated after the old key's end is refused.
    late = qr.encode(QrClaims(QrKind.GIFT, "G-1", "GIFT", T0 + 7200, value=1), signer)
    assert qr.verify(late, ring, T0 + 7300).reason is QrReason.KEY_NOT_VALID
    # Revocation refuses everything the key ever signed.
    clock.now = T0 + 100
    store.revoke("qr", 1)
    assert qr.verify(text, qr_keyring(store, "qr"), T0 + 200).reason is QrReason.KEY_REVOKED


def test_wrong_purpose_and_other_versions() -> None:
    signer = SoftwareEd25519Signer(Ed25519PrivateKey.generate())
    ring = Keyring([KeyringEntry(signer.key_id, signer.public_key_raw(), "terminal", 0)])
    text = qr.encode(CLAIMS, signer)
    assert qr.verify(text, ring, T0).reason is QrReason.WRONG_PURPOSE
    body = cbor2.dumps([2, bytes.fromhex(signer.key_id), "future"], canonical=True)
    future = qr.PREFIX + base45.b45encode(body + signer.sign(qr.CONTEXT + body)).decode()
    assert qr.verify(future, ring, T0).reason is QrReason.UNSUPPORTED_VERSION


@pytest.mark.parametrize("junk", ["", "CS1:", "CS2:ABC", "hello", "CS1:%%%", "CS1:" + "A" * 2000])
def test_junk_is_malformed(junk: str, keys: tuple[qr.QrSigner, Keyring]) -> None:
    assert qr.verify(junk, keys[1], T0).reason is QrReason.MALFORMED


def test_a_scan_with_stray_keys_before_it_is_still_the_scan(
    keys: tuple[qr.QrSigner, Keyring],
) -> None:
    """A busy till's browser may take a person's last keys for the start of a wedge scan: up
    to SCAN_LEAD_MAX of them before the prefix are dropped; more, and the text is not a scan."""
    signer, ring = keys
    text = qr.encode(CLAIMS, signer)
    for lead in ("67", "1234567", "x" * qr.SCAN_LEAD_MAX):
        scanned = qr.normalise_scan(lead + text + "\r\n")
        assert scanned == text
        assert qr.verify(scanned, ring, T0 + 60).reason is QrReason.OK
    too_far = "x" * (qr.SCAN_LEAD_MAX + 1) + text
    assert qr.normalise_scan(too_far) == too_far
    assert qr.verify(qr.normalise_scan(too_far), ring, T0 + 60).reason is QrReason.MALFORMED
