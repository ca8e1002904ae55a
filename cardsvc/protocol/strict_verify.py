"""The hot path's signature check: the project's one fixed RFC 9421 profile, verified directly.

Every terminal signs the same shape (protocol.signing.sign_request): label `term`, the covered
components `@method @path content-type content-digest terminal-id` in that order, parameters
`created keyid alg nonce tag` in that order, an Ed25519 signature and a SHA-256 Content-Digest.
The general library (http-message-signatures) parses every Structured Field, resolves every
component and builds objects per request: ~45 % of the event loop online (benchmarks/RESULTS.md)
for an Ed25519 check that is ~10 %. A request in exactly that shape is checked here with three
anchored regular expressions, two base64 decodes, one SHA-256 and one Ed25519 verification.

Anything not in exactly that shape (other parameter order, extra labels, escapes in strings,
non-canonical base64 or integers, whitespace around a value, an unusual URL) goes to the general
verifier (`signing.verify_request`) unchanged, so the verdict for every input is the library's:
tests/protocol/test_strict_verify.py holds the library as the oracle over random and malformed
requests (hypothesis). The clock-skew rule here is the settings' window both ways; the general
path's rule is whatever `verify_request` enforces (the library's own 5-second limit on a future
`created` runs there until that path enforces the window too).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from functools import lru_cache

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from cardsvc.protocol.signing import (
    COVERED,
    SIGNATURE_LABEL,
    SIGNATURE_TAG,
    TERMINAL_HEADER,
    KeyLookup,
    KeyStatus,
    SignatureParams,
    SignatureRejected,
    verify_request,
)

# An sf-string without escapes: printable ASCII but `"` and `\` (RFC 8941 3.3.3).
_SF_STRING = r'[\x20\x21\x23-\x5b\x5d-\x7e]*'
_COMPONENTS = " ".join(f'"{c}"' for c in COVERED)
_SIGNATURE_INPUT = re.compile(
    re.escape(f"{SIGNATURE_LABEL}=({_COMPONENTS})")
    + r";created=(0|[1-9][0-9]{0,14})"  # sf-integer, canonical: what the base re-serialises
    + f';keyid="({_SF_STRING})";alg="ed25519";nonce="({_SF_STRING})"'
    + re.escape(f';tag="{SIGNATURE_TAG}"')
)
_SIGNATURE = re.compile(re.escape(f"{SIGNATURE_LABEL}=:") + r"([A-Za-z0-9+/]{86}==):")
_DIGEST = re.compile(r"sha-256=:([A-Za-z0-9+/]{43}=):")
# A covered field value the library would use unchanged: visible ASCII, no surrounding blanks.
_PLAIN_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
# An absolute http(s) URL whose path and query need no escapes; its path is `@path` as is.
_URL = re.compile(
    r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(/[A-Za-z0-9._~\-/]*)?(?:\?[A-Za-z0-9._~\-=&]*)?"
)
_METHOD = re.compile(r"[A-Z]{1,16}")
NONCE_MIN, NONCE_MAX = 8, 64  # as signing.signature_params


@lru_cache(maxsize=4096)
def _verify_key(public_key: bytes) -> VerifyKey:
    """One libsodium key object per enrolled key, not one per request."""
    return VerifyKey(public_key)


def _canonical_b64(text: str, size: int) -> bytes | None:
    """The bytes of `text` if it is their one canonical base64 spelling, else None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        return None
    if len(raw) != size or base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def verify_signed(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    lookup: KeyLookup,
    *,
    now: int,
    window_s: int,
) -> tuple[SignatureParams, KeyStatus]:
    """Verify a terminal's signed request (the contract of `signing.verify_request`)."""
    h = {k.lower(): v for k, v in headers.items()}  # as the general path: the last line wins
    sig_input, sig, digest = h.get("signature-input"), h.get("signature"), h.get("content-digest")
    method = method.upper()
    shape = _in_profile(method, url, h, sig_input, sig, digest)
    if shape is None:
        return verify_request(method, url, headers, body, lookup, now=now, window_s=window_s)
    path, created, key_id, nonce, signature, body_digest = shape
    assert sig_input is not None and sig is not None and digest is not None
    if created < now - window_s:
        raise SignatureRejected("stale_request", f"created {now - created}s ago")
    if created > now + window_s:
        raise SignatureRejected("future_request", f"created {created - now}s in the future")
    key = lookup(key_id)
    if key is None:
        raise SignatureRejected("unknown_key", f"no enrolled key {key_id}")
    if not key.usable:
        raise SignatureRejected(key.reason or "key_revoked", f"key {key_id} may not sign")
    terminal = h.get(TERMINAL_HEADER)
    if terminal != key.terminal_id:
        raise SignatureRejected("terminal_mismatch", "the key belongs to another terminal")
    base = (
        f'"@method": {method}\n"@path": {path}\n"content-type": {h["content-type"]}\n'
        f'"content-digest": {digest}\n"{TERMINAL_HEADER}": {terminal}\n'
        f'"@signature-params": {sig_input[len(SIGNATURE_LABEL) + 1 :]}'
    )
    try:
        _verify_key(key.public_key).verify(base.encode("ascii"), signature)
    except BadSignatureError as exc:
        raise SignatureRejected("bad_signature", "signature does not verify") from exc
    # After the signature, as the library: a forged request is bad_signature, not bad_digest.
    if not hmac.compare_digest(body_digest, hashlib.sha256(body).digest()):
        raise SignatureRejected("bad_digest", "Content-Digest does not match the message body")
    return SignatureParams(key_id, created, nonce, sig_input, sig, digest), key


_Shape = tuple[str, int, str, str, bytes, bytes]


def _in_profile(
    method: str,
    url: str,
    h: dict[str, str],
    sig_input: str | None,
    sig: str | None,
    digest: str | None,
) -> _Shape | None:
    """The request's parts if it is in exactly the profile's shape; None sends it to the
    general verifier (which also gives every malformed request its code)."""
    if sig_input is None or sig is None or digest is None:
        return None
    si, sm, dm = _SIGNATURE_INPUT.fullmatch(sig_input), _SIGNATURE.fullmatch(sig), None
    if si is None or sm is None or (dm := _DIGEST.fullmatch(digest)) is None:
        return None
    um = _URL.fullmatch(url)
    if um is None or _METHOD.fullmatch(method) is None:
        return None
    for name in ("content-type", TERMINAL_HEADER):
        value = h.get(name)
        if value is None or _PLAIN_VALUE.fullmatch(value) is None:
            return None
    created_text, key_id, nonce = si.groups()
    if not NONCE_MIN <= len(nonce) <= NONCE_MAX:
        return None
    signature = _canonical_b64(sm.group(1), 64)
    body_digest = _canonical_b64(dm.group(1), 32)
    if signature is None or body_digest is None:
        return None
    return um.group(1) or "/", int(created_text), key_id, nonce, signature, body_digest
