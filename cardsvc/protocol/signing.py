"""Terminal request signatures: RFC 9421 HTTP Message Signatures (Ed25519) over an RFC 9530
Content-Digest, via the http-message-signatures library.

Every signed request covers its method, path, content type, body digest and the terminal id
header, and carries in its signature parameters the key id, the creation time, a nonce and the
tag `cardsvc-v1`. The ledger keeps the signature headers and the body bytes, so any request can
be re-verified later (non-repudiation). Replays (same key id and nonce) are refused by storage.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureAlgorithm,
    HTTPSignatureKeyResolver,
    InvalidSignature,
)
from http_sfv.dictionary import Dictionary as SfDictionary
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from keys.keyid import key_id_for_public_key

SIGNATURE_TAG = "cardsvc-v1"
SIGNATURE_LABEL = "term"
TERMINAL_HEADER = "terminal-id"
COVERED = ("@method", "@path", "content-type", "content-digest", TERMINAL_HEADER)
NONCE_BYTES = 16


class Signer(Protocol):
    """What signs for a terminal: a key in a file keystore, an HSM, or in memory (tests)."""

    @property
    def key_id(self) -> str: ...

    def public_key_raw(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


class InMemorySigner:
    """An Ed25519 key held in process memory (tests, benchmarks, the demo)."""

    def __init__(self, private_key: Ed25519PrivateKey | None = None) -> None:
        self._key = private_key or Ed25519PrivateKey.generate()
        self._public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._key_id = key_id_for_public_key(self._public)

    @property
    def key_id(self) -> str:
        return self._key_id

    def public_key_raw(self) -> bytes:
        return self._public

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


class _Headers(dict[str, str]):
    """Lower-cased header names: what the library's component resolver expects to look up."""

    def __init__(self, items: Mapping[str, str]) -> None:
        super().__init__((k.lower(), v) for k, v in items.items())


@dataclass
class _Message:
    method: str
    url: str
    headers: _Headers


class _NaclEd25519(HTTPSignatureAlgorithm):
    """Ed25519 verification through libsodium: about twice OpenSSL's rate (FACTS-perf)."""

    algorithm_id = "ed25519"

    def __init__(self, public_key: Any = None, private_key: Any = None) -> None:
        self._verify_key: VerifyKey = public_key

    def sign(self, message: bytes) -> bytes:
        raise NotImplementedError("verification only; terminals sign through a Signer")

    def verify(self, signature: bytes, message: bytes) -> None:
        try:
            self._verify_key.verify(message, signature)
        except BadSignatureError as exc:
            raise InvalidSignature("signature does not verify") from exc


def sign_request(
    method: str,
    url: str,
    body: bytes,
    signer: Signer,
    terminal_id: str,
    *,
    created: int,
    nonce: str | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    """Return the headers that sign this request (content type, digest, terminal id, signature)."""
    headers = _Headers({"content-type": content_type, TERMINAL_HEADER: terminal_id})
    message = _Message(method.upper(), url, headers)
    handler = HTTPMessageSigner(signature_algorithm=_NaclEd25519)
    prepared = handler.prepare(
        message,
        key_id=signer.key_id,
        created=datetime.fromtimestamp(created, UTC),
        nonce=nonce or secrets.token_urlsafe(NONCE_BYTES),
        label=SIGNATURE_LABEL,
        tag=SIGNATURE_TAG,
        covered_component_ids=COVERED,
        body=body,
    )
    handler.apply(message, prepared, signer.sign(prepared.signature_base))
    return dict(headers)


class SignatureRejected(Exception):
    """A request whose signature the ledger does not accept. `code` is stable, for clients;
    `skew_s` (stale or future requests) is how far the terminal's clock is from the ledger's."""

    def __init__(self, code: str, detail: str, skew_s: int | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.skew_s = skew_s


class _WindowedVerifier(HTTPMessageVerifier):
    """The library's own check of `created` (5 s ahead of *its* wall clock) would run before
    the ledger's: `verify_request` judges `created` against the ledger's clock and the
    settings' window first, so that window is the one enforced."""

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        return None


@dataclass(frozen=True)
class SignatureParams:
    key_id: str
    created: int
    nonce: str
    signature_input: str
    signature: str
    content_digest: str


@dataclass(frozen=True)
class KeyStatus:
    """What the ledger knows of a key id: whose it is and whether it may sign at `now`."""

    public_key: bytes
    terminal_id: str
    usable: bool
    reason: str = ""  # why not usable: key_revoked, key_retired, terminal_disabled


KeyLookup = Callable[[str], KeyStatus | None]


class _KeyResolver(HTTPSignatureKeyResolver):
    def __init__(self, public_key: bytes) -> None:
        self._key = VerifyKey(public_key)

    def resolve_public_key(self, key_id: str) -> VerifyKey:
        return self._key


def signature_params(headers: Mapping[str, str]) -> SignatureParams:
    """Read the signature parameters (key id, created, nonce) without verifying anything yet."""
    h = _Headers(headers)
    sig_input, sig = h.get("signature-input"), h.get("signature")
    if not sig_input or not sig:
        raise SignatureRejected("missing_signature", "Signature-Input and Signature required")
    digest = h.get("content-digest", "")
    if not digest:
        raise SignatureRejected("missing_signature", "a Content-Digest header is required")
    parsed = SfDictionary()
    try:
        parsed.parse(sig_input.encode("ascii"))
        params = parsed[SIGNATURE_LABEL].params
    except (ValueError, KeyError, UnicodeEncodeError) as exc:
        raise SignatureRejected("malformed_signature", f"bad Signature-Input: {exc}") from exc
    key_id, created, nonce = params.get("keyid"), params.get("created"), params.get("nonce")
    if not isinstance(key_id, str) or type(created) is not int or not isinstance(nonce, str):
        raise SignatureRejected("malformed_signature", "keyid, created and nonce are required")
    if params.get("tag") != SIGNATURE_TAG or not 8 <= len(nonce) <= 64:
        raise SignatureRejected(
            "malformed_signature", f"want tag {SIGNATURE_TAG}, nonce 8-64 chars"
        )
    return SignatureParams(key_id, created, nonce, sig_input, sig, digest)


def check_window(created: int, now: int, window_s: int) -> None:
    """The settings' clock-skew window, both ways, against the ledger's clock (the one rule:
    the general and the strict verifier both call this); the refusal says by how much."""
    skew = created - now
    if not -window_s <= skew <= window_s:
        code, side = ("stale_request", "behind") if skew < 0 else ("future_request", "ahead of")
        raise SignatureRejected(
            code,
            f"signed {abs(skew)} s {'ago' if skew < 0 else 'in the future'}: the terminal's "
            f"clock is {abs(skew)} s {side} the ledger's; at most {window_s} s is accepted",
            skew_s=skew,
        )


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    lookup: KeyLookup,
    *,
    now: int,
    window_s: int,
) -> tuple[SignatureParams, KeyStatus]:
    """Verify a terminal's signed request; raise SignatureRejected with a stable code if not."""
    params = signature_params(headers)
    check_window(params.created, now, window_s)
    key = lookup(params.key_id)
    if key is None:
        raise SignatureRejected("unknown_key", f"no enrolled key {params.key_id}")
    if not key.usable:
        raise SignatureRejected(key.reason or "key_revoked", f"key {params.key_id} may not sign")
    h = _Headers(headers)
    if h.get(TERMINAL_HEADER) != key.terminal_id:
        raise SignatureRejected("terminal_mismatch", "the key belongs to another terminal")
    verifier = _WindowedVerifier(
        signature_algorithm=_NaclEd25519, key_resolver=_KeyResolver(key.public_key)
    )
    try:
        verifier.verify(
            _Message(method.upper(), url, h),
            max_age=None,
            expect_tag=SIGNATURE_TAG,
            require_components=COVERED,
            body=body,
        )
    except InvalidSignature as exc:
        code = "bad_digest" if "digest" in str(exc).lower() else "bad_signature"
        raise SignatureRejected(code, str(exc)) from exc
    return params, key


def public_key_b64(public_key_raw: bytes) -> str:
    return base64.b64encode(public_key_raw).decode("ascii")
