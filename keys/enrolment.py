"""Terminal key enrolment: what a terminal sends the ledger to register its signing key.

The terminal generates its Ed25519 key locally (the private key never leaves the terminal's
keystore) and sends a request signed by that key, proving possession. When it rotates, the
request is also endorsed by its previous key, so the ledger can accept the successor without
a new manual approval, and a revoked key can never enrol a successor. Whether a first
enrolment is approved (an operator, a one-time code) is the ledger's decision; this module
only checks the cryptography and builds the keyring entry.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from keys.keyring import Keyring, KeyringEntry, VerifyOutcome
from keys.keystore import Ed25519Signer

FORMAT = "cardkeys-terminal-enrolment/1"
_PROOF_CONTEXT = FORMAT.encode() + b"\nproof\n"
_ENDORSE_CONTEXT = FORMAT.encode() + b"\nendorsement\n"
MAX_TERMINAL_ID_LEN = 64


@dataclass(frozen=True)
class EnrolmentResult:
    """Outcome of checking a request: 'ok' with the entry to add, or why it was refused."""

    outcome: str
    terminal_id: str = ""
    entry: KeyringEntry | None = None
    previous_key_id: str | None = None


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def make_enrolment(
    signer: Ed25519Signer, terminal_id: str, at: int, previous: Ed25519Signer | None = None
) -> dict[str, Any]:
    """A JSON-ready enrolment request for the signer's key."""
    if not 0 < len(terminal_id) <= MAX_TERMINAL_ID_LEN:
        raise ValueError(f"terminal id must be 1..{MAX_TERMINAL_ID_LEN} characters")
    body = {"format": FORMAT, "terminal_id": terminal_id, "key_id": signer.key_id,
            "public_key": signer.public_key_raw().hex(), "created_at": at,
            "previous_key_id": previous.key_id if previous is not None else None}
    canonical = _canonical(body)
    request: dict[str, Any] = {"body": body,
                               "proof": _b64(signer.sign(_PROOF_CONTEXT + canonical))}
    if previous is not None:
        request["endorsement"] = _b64(previous.sign(_ENDORSE_CONTEXT + canonical))
    return request


def verify_enrolment(request: Mapping[str, Any], keyring: Keyring, at: int) -> EnrolmentResult:
    """Check a request's proof of possession and, for a rotation, the previous key's endorsement.

    Outcomes: ok, malformed, bad_proof, or a VerifyOutcome value of the endorsement
    (unknown_key, revoked, expired, bad_signature, wrong_purpose ...).
    """
    try:
        body = request["body"]
        if body["format"] != FORMAT:
            return EnrolmentResult("malformed")
        entry = KeyringEntry(str(body["key_id"]), bytes.fromhex(body["public_key"]), "terminal",
                             not_before=int(body["created_at"]))
        terminal_id, previous = str(body["terminal_id"]), body["previous_key_id"]
        canonical = _canonical(body)
        proof = base64.b64decode(request["proof"], validate=True)
        endorsement = request.get("endorsement")
    except (KeyError, TypeError, ValueError, binascii.Error):
        return EnrolmentResult("malformed")
    own = Keyring([entry])
    if own.verify(entry.key_id, _PROOF_CONTEXT + canonical, proof, entry.not_before) is not (
        VerifyOutcome.OK
    ):
        return EnrolmentResult("bad_proof", terminal_id)
    if previous is None:
        return EnrolmentResult("ok", terminal_id, entry)
    if not isinstance(endorsement, str):
        return EnrolmentResult("malformed", terminal_id)
    try:
        signature = base64.b64decode(endorsement, validate=True)
    except (ValueError, binascii.Error):
        return EnrolmentResult("malformed", terminal_id)
    outcome = keyring.verify(str(previous), _ENDORSE_CONTEXT + canonical, signature, at,
                             purpose="terminal")
    if outcome is not VerifyOutcome.OK:
        return EnrolmentResult(outcome.value, terminal_id, previous_key_id=str(previous))
    return EnrolmentResult("ok", terminal_id, entry, str(previous))
