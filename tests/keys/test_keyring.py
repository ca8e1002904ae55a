"""Public keyrings for verifiers, the published key set, and terminal enrolment."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys.enrolment import make_enrolment, verify_enrolment
from keys.errors import PublishedKeysetError
from keys.keyring import Keyring, KeyringEntry, VerifyOutcome
from keys.published import export_keyset, load_keyset
from keys.signers import SoftwareEd25519Signer

T0 = 1_750_000_000


def new_signer() -> SoftwareEd25519Signer:
    return SoftwareEd25519Signer(Ed25519PrivateKey.generate())


def entry_for(signer: SoftwareEd25519Signer, purpose: str = "qr", **times: int) -> KeyringEntry:
    return KeyringEntry(signer.key_id, signer.public_key_raw(), purpose,
                        times.get("not_before", T0), times.get("not_after"),
                        times.get("revoked_at"))


def test_every_verify_outcome() -> None:
    signer = new_signer()
    ring = Keyring([entry_for(signer, not_after=T0 + 100, revoked_at=T0 + 50)])
    message, signature = b"voucher", signer.sign(b"voucher")
    assert ring.verify(signer.key_id, message, signature, T0) is VerifyOutcome.OK
    assert ring.verify(signer.key_id, message, signature, T0, purpose="qr") is VerifyOutcome.OK
    assert ring.verify(signer.key_id, message, signature, T0, purpose="terminal") is (
        VerifyOutcome.WRONG_PURPOSE)
    assert ring.verify("0" * 16, message, signature, T0) is VerifyOutcome.UNKNOWN_KEY
    assert ring.verify(signer.key_id, message, signature, T0 - 1) is VerifyOutcome.NOT_YET_VALID
    assert ring.verify(signer.key_id, message, signature, T0 + 50) is VerifyOutcome.REVOKED
    assert ring.verify(signer.key_id, b"voucheR", signature, T0) is VerifyOutcome.BAD_SIGNATURE
    assert ring.verify(signer.key_id, message, signature[:-1], T0) is VerifyOutcome.BAD_SIGNATURE
    assert ring.verify(signer.key_id, message, bytes(64), T0) is VerifyOutcome.BAD_SIGNATURE
    expiring = Keyring([entry_for(signer, not_after=T0 + 100)])
    assert expiring.verify(signer.key_id, message, signature, T0 + 100) is VerifyOutcome.EXPIRED


def test_news_about_a_key_only_restricts_it() -> None:
    signer = new_signer()
    ring = Keyring([entry_for(signer)])
    ring.retire(signer.key_id, T0 + 100)
    ring.add(entry_for(signer, not_after=T0 + 500))  # a stale copy cannot extend the window
    ring.revoke(signer.key_id, T0 + 10)
    ring.add(entry_for(signer))
    entry = ring.get(signer.key_id)
    assert entry is not None and (entry.not_after, entry.revoked_at) == (T0 + 100, T0 + 10)


def test_an_entry_must_carry_its_own_key_id() -> None:
    a, b = new_signer(), new_signer()
    with pytest.raises(ValueError, match="does not belong"):
        KeyringEntry(a.key_id, b.public_key_raw(), "qr", T0)


def test_published_set_round_trip_and_tamper_detection() -> None:
    keys, publisher = [new_signer(), new_signer()], new_signer()
    trusted = {publisher.key_id: publisher.public_key_raw()}
    text = export_keyset([entry_for(k, revoked_at=T0 + 9) for k in keys], T0, publisher)
    loaded = load_keyset(text, trusted_signers=trusted)
    assert loaded.issued_at == T0 and loaded.signed_by == publisher.key_id
    assert {e.key_id for e in loaded.keyring.entries()} == {k.key_id for k in keys}
    assert load_keyset(text).signed_by is None  # fingerprint only, no trust anchor

    document = json.loads(text)
    document["body"]["keys"][0]["revoked_at"] = None  # un-revoke a key
    with pytest.raises(PublishedKeysetError, match="fingerprint"):
        load_keyset(json.dumps(document), trusted_signers=trusted)

    forger = new_signer()  # rebuilds a consistent document but cannot sign as the publisher
    forged = export_keyset([entry_for(forger)], T0, forger)
    with pytest.raises(PublishedKeysetError, match="not a trusted signer"):
        load_keyset(forged, trusted_signers=trusted)
    unsigned = export_keyset([entry_for(forger)], T0)
    with pytest.raises(PublishedKeysetError, match="not signed"):
        load_keyset(unsigned, trusted_signers=trusted)
    document = json.loads(forged)
    document["signature"]["key_id"] = publisher.key_id
    with pytest.raises(PublishedKeysetError, match="signature is not valid"):
        load_keyset(json.dumps(document), trusted_signers=trusted)
    with pytest.raises(PublishedKeysetError, match="malformed"):
        load_keyset("{not json")


def test_first_enrolment_proves_possession() -> None:
    terminal = new_signer()
    request = make_enrolment(terminal, "store-12/till-3", T0)
    result = verify_enrolment(request, Keyring(), T0)
    assert result.outcome == "ok" and result.terminal_id == "store-12/till-3"
    assert result.entry is not None and result.entry.key_id == terminal.key_id
    assert result.entry.purpose == "terminal"
    request["body"]["terminal_id"] = "store-99/till-1"  # proof no longer matches
    assert verify_enrolment(request, Keyring(), T0).outcome == "bad_proof"
    assert verify_enrolment({"body": {}}, Keyring(), T0).outcome == "malformed"


def test_rotation_enrolment_needs_an_endorsement_by_a_valid_previous_key() -> None:
    old, new = new_signer(), new_signer()
    ledger = Keyring([entry_for(old, purpose="terminal")])
    request = make_enrolment(new, "till-3", T0 + 10, previous=old)
    result = verify_enrolment(request, ledger, T0 + 10)
    assert (result.outcome, result.previous_key_id) == ("ok", old.key_id)
    ledger.revoke(old.key_id, T0 + 5)  # a stolen, revoked key cannot enrol a successor
    assert verify_enrolment(request, ledger, T0 + 10).outcome == "revoked"
    assert verify_enrolment(request, Keyring(), T0 + 10).outcome == "unknown_key"
    impostor = make_enrolment(new, "till-3", T0 + 10, previous=ClaimsToBe(old.key_id))
    assert verify_enrolment(impostor, Keyring([entry_for(old, purpose="terminal")]),
                            T0 + 10).outcome == "bad_signature"


class ClaimsToBe(SoftwareEd25519Signer):
    """A signer that names another key's id but signs with its own private key."""

    def __init__(self, claimed_key_id: str) -> None:
        super().__init__(Ed25519PrivateKey.generate())
        self.key_id = claimed_key_id
