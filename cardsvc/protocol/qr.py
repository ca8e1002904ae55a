"""QR payloads for gift cards, vouchers and e-tickets: a compact signed codec and the offline
verifier gates and kiosks run without the ledger.

Wire form: ``CS1:`` + base45(body || signature).
- body: canonical CBOR array ``[version, key_id(8 bytes), kind, instrument, program, issued_at,
  valid_from, valid_until, value, discount_bp, discount_cap, min_spend, entries, passback_s]``.
  Positional, so no field names travel; small ints are one CBOR byte.
- signature: Ed25519 (64 bytes) over ``CONTEXT || body`` by a QR signing key (purpose "qr");
  the key id inside the body names it, so verifiers pick the key from their keyring.
- base45 (RFC 9285) uses exactly the QR alphanumeric character set (0-9 A-Z space $ % * + - . /
  :), which packs 5.5 bits per character instead of byte mode's 8: the code stays small.

Any change to a character either breaks the base45/CBOR framing or changes a signed byte, so it
is refused. Verification is pure: time comes in as an argument, outcomes are data (`QrReason`).
This module is shared with terminals: it imports only the protocol and the public keyring.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Protocol

import base45
import cbor2

from keys.keyring import Keyring, VerifyOutcome

PREFIX = "CS1:"
VERSION = 1
CONTEXT = b"cardsvc-qr/1\n"  # domain separation: a QR signature is never valid elsewhere
QR_PURPOSE = "qr"
KEY_ID_BYTES = 8
SIGNATURE_LEN = 64
MAX_PAYLOAD_CHARS = 1200  # far above any payload we make; bounds the work on hostile input
MAX_TEXT_FIELD = 64
CLOCK_SKEW_S = 300  # a payload "issued" further in the future than this is refused
_FIELDS = 14
_B45_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


class QrKind(IntEnum):
    GIFT = 1
    VOUCHER = 2
    ETICKET = 3


class QrReason(StrEnum):
    """Why a payload was accepted or refused (for people: the CLI and the gate screen)."""

    OK = "ok"
    MALFORMED = "malformed"  # not our prefix, not base45, not our CBOR shape
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_KEY = "unknown_key"
    WRONG_PURPOSE = "wrong_purpose"  # signed by a key that is not a QR key
    KEY_REVOKED = "key_revoked"
    KEY_NOT_VALID = "key_not_valid"  # the key was not valid when the payload says it was signed
    BAD_SIGNATURE = "bad_signature"
    ISSUED_IN_FUTURE = "issued_in_future"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"  # the instrument is on the revocation list


EXPLANATIONS: dict[QrReason, str] = {
    QrReason.OK: "valid: signature, key, time window and revocation list all check out",
    QrReason.MALFORMED: "not a cardsvc QR payload, or damaged (framing or encoding broken)",
    QrReason.UNSUPPORTED_VERSION: "made by a newer payload version than this validator knows",
    QrReason.UNKNOWN_KEY: "signed by a key this validator does not know (update its key set)",
    QrReason.WRONG_PURPOSE: "signed by a key that is not a QR signing key",
    QrReason.KEY_REVOKED: "the signing key has been revoked: every payload it signed is refused",
    QrReason.KEY_NOT_VALID: "the signing key was not valid when this payload was issued",
    QrReason.BAD_SIGNATURE: "the signature does not match: the payload was altered or forged",
    QrReason.ISSUED_IN_FUTURE: "the payload claims to be issued in the future",
    QrReason.NOT_YET_VALID: "the voucher or ticket is not valid yet",
    QrReason.EXPIRED: "the voucher or ticket has expired",
    QrReason.REVOKED: "this instrument has been revoked (blocked, used up or withdrawn)",
}


@dataclass(frozen=True, slots=True)
class QrClaims:
    """What an offline validator needs to know about an instrument, as signed by the issuer."""

    kind: QrKind
    instrument: str
    program: str
    issued_at: int
    valid_from: int | None = None
    valid_until: int | None = None
    value: int = 0  # gift card face value / fixed voucher value (đồng)
    discount_bp: int = 0  # discount vouchers: basis points of the purchase
    discount_cap: int = 0
    min_spend: int = 0
    entries: int | None = None  # e-tickets and vouchers: uses allowed; None = unlimited
    passback_s: int = 0  # e-tickets: no re-entry within this many seconds


@dataclass(frozen=True, slots=True)
class QrCheck:
    reason: QrReason
    claims: QrClaims | None = None
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is QrReason.OK

    def explain(self) -> str:
        return EXPLANATIONS[self.reason]


class QrSigner(Protocol):
    """A QR signing key (a keystore signer: file or HSM)."""

    @property
    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


class QrFormatError(ValueError):
    """The payload's framing is broken (raised by `decode`, turned into MALFORMED by `verify`)."""


def _body(claims: QrClaims, key_id: str) -> bytes:
    kid = bytes.fromhex(key_id)
    if len(kid) != KEY_ID_BYTES:
        raise ValueError(f"a key id is {KEY_ID_BYTES} bytes (16 hex characters)")
    c = claims
    fields = [VERSION, kid, int(c.kind), c.instrument, c.program, c.issued_at, c.valid_from,
              c.valid_until, c.value, c.discount_bp, c.discount_cap, c.min_spend, c.entries,
              c.passback_s]
    _check_fields(fields)
    return cbor2.dumps(fields, canonical=True)


def encode(claims: QrClaims, signer: QrSigner) -> str:
    """The QR text for `claims`, signed by `signer` (uppercase, QR alphanumeric mode only)."""
    body = _body(claims, signer.key_id)
    signature = signer.sign(CONTEXT + body)
    if len(signature) != SIGNATURE_LEN:
        raise ValueError("the signer returned a signature that is not Ed25519")
    encoded: bytes = base45.b45encode(body + signature)
    return PREFIX + encoded.decode("ascii")


@dataclass(frozen=True, slots=True)
class Decoded:
    """A payload taken apart, signature not yet checked."""

    version: int
    key_id: str
    claims: QrClaims
    signed: bytes  # CONTEXT || body: what the signature covers
    signature: bytes


def decode(text: str) -> Decoded:
    """Take a payload apart without trusting it; raise QrFormatError if the framing is broken."""
    if not isinstance(text, str) or len(text) > MAX_PAYLOAD_CHARS:
        raise QrFormatError("payload missing or too long")
    if not text.startswith(PREFIX):
        raise QrFormatError(f"payload does not start with {PREFIX}")
    encoded = text[len(PREFIX):]
    if not _B45_CHARS.issuperset(encoded):  # the library forgives a trailing newline; we don't
        raise QrFormatError("payload has characters outside the QR alphanumeric set")
    try:
        raw = base45.b45decode(encoded)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise QrFormatError("payload is not valid base45") from exc
    if len(raw) <= SIGNATURE_LEN:
        raise QrFormatError("payload too short")
    body, signature = raw[:-SIGNATURE_LEN], raw[-SIGNATURE_LEN:]
    fields = _parse_body(body)
    version, kid = fields[0], fields[1]
    if version != VERSION:
        return Decoded(version, kid.hex(), _placeholder(), CONTEXT + body, signature)
    return Decoded(version, kid.hex(), _claims(fields), CONTEXT + body, signature)


def _parse_body(body: bytes) -> list[Any]:
    try:
        fields = cbor2.loads(body)
    except Exception as exc:  # cbor2 raises many types on hostile bytes; all mean "damaged"
        raise QrFormatError("payload body is not CBOR") from exc
    if not isinstance(fields, list) or len(fields) < 2:
        raise QrFormatError("payload body is not a field array")
    if type(fields[0]) is not int or not isinstance(fields[1], bytes):
        raise QrFormatError("payload header is malformed")
    if len(fields[1]) != KEY_ID_BYTES:
        raise QrFormatError("payload key id is malformed")
    if fields[0] == VERSION:
        _check_fields(fields)
        if cbor2.dumps(fields, canonical=True) != body:  # one encoding per content, no slack
            raise QrFormatError("payload body is not canonical CBOR")
    return fields


def _check_fields(f: list[Any]) -> None:
    def is_int(v: object, nullable: bool = False) -> bool:
        return (v is None and nullable) or (type(v) is int and 0 <= v < 2**53)

    ok = (
        len(f) == _FIELDS
        and type(f[2]) is int and f[2] in {k.value for k in QrKind}
        and all(type(v) is str and 0 < len(v) <= MAX_TEXT_FIELD for v in (f[3], f[4]))
        and is_int(f[5]) and is_int(f[6], True) and is_int(f[7], True)
        and all(is_int(v) for v in f[8:12]) and is_int(f[12], True) and is_int(f[13])
    )
    if not ok:
        raise QrFormatError("payload fields are malformed")


def _claims(f: list[Any]) -> QrClaims:
    return QrClaims(QrKind(f[2]), f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12],
                    f[13])


def _placeholder() -> QrClaims:
    return QrClaims(QrKind.VOUCHER, "?", "?", 0)


_KEY_REASONS = {
    VerifyOutcome.UNKNOWN_KEY: QrReason.UNKNOWN_KEY,
    VerifyOutcome.WRONG_PURPOSE: QrReason.WRONG_PURPOSE,
    VerifyOutcome.REVOKED: QrReason.KEY_REVOKED,
    VerifyOutcome.EXPIRED: QrReason.KEY_NOT_VALID,
    VerifyOutcome.NOT_YET_VALID: QrReason.KEY_NOT_VALID,
    VerifyOutcome.BAD_SIGNATURE: QrReason.BAD_SIGNATURE,
}


def verify(
    text: str, keyring: Keyring, now: int, revoked: Container[str] = frozenset()
) -> QrCheck:
    """Check a payload offline: framing, signature, key validity, time window, revocation.

    Key validity is judged at the payload's signed `issued_at` (a code printed before a key
    rotation stays good for its whole validity), except revocation, which is judged now: a
    revoked key may have been stolen, so nothing it ever signed is trusted any more.
    """
    try:
        d = decode(text)
    except QrFormatError:
        return QrCheck(QrReason.MALFORMED)
    if d.version != VERSION:
        return QrCheck(QrReason.UNSUPPORTED_VERSION, key_id=d.key_id)
    entry = keyring.get(d.key_id)
    if entry is not None and entry.revoked_at is not None and now >= entry.revoked_at:
        return QrCheck(QrReason.KEY_REVOKED, key_id=d.key_id)
    c = d.claims
    outcome = keyring.verify(d.key_id, d.signed, d.signature, c.issued_at, QR_PURPOSE)
    if outcome is not VerifyOutcome.OK:
        return QrCheck(_KEY_REASONS[outcome], key_id=d.key_id)
    return QrCheck(_window_reason(c, now, revoked), c, d.key_id)


def _window_reason(c: QrClaims, now: int, revoked: Container[str]) -> QrReason:
    if c.issued_at > now + CLOCK_SKEW_S:
        return QrReason.ISSUED_IN_FUTURE
    if c.valid_from is not None and now < c.valid_from:
        return QrReason.NOT_YET_VALID
    if c.valid_until is not None and now >= c.valid_until:
        return QrReason.EXPIRED
    if c.instrument in revoked:
        return QrReason.REVOKED
    return QrReason.OK


# Keys a person may have typed just before a keyboard-wedge scan that a busy till's browser
# took for part of it: a payload found this far into a scan is the scan (its signature, not its
# position, is what makes it valid).
SCAN_LEAD_MAX = 16


def normalise_scan(text: str) -> str:
    """What a scanner or a paste delivers, without the line ends scanners add, the blanks a
    paste puts in front, and up to SCAN_LEAD_MAX stray keys before the prefix. Trailing spaces
    stay: a space is a base45 character and may end a payload (a payload never starts with one:
    it starts with its prefix)."""
    text = text.strip("\r\n\t").lstrip(" \r\n\t")
    at = text.find(PREFIX, 0, SCAN_LEAD_MAX + len(PREFIX))
    return text[at:] if at > 0 else text
