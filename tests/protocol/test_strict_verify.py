"""The hot path's strict verifier against the general RFC 9421 library as the oracle.

Requests are signed by the terminals' own signer, then changed at random (a header, a byte of
the body, the signature, the parameters, the URL, whitespace, case, the key's status...), and
both verifiers must give the same verdict: the same refusal code, or the same accepted params
and key. The library's own 5-second limit on a future `created` is lifted in the oracle: the
settings' window is the clock rule both enforce.
"""

from __future__ import annotations

import base64
import datetime
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

import pytest
from http_message_signatures import HTTPMessageVerifier
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardsvc.protocol.signing import (
    InMemorySigner,
    KeyStatus,
    SignatureParams,
    SignatureRejected,
    sign_request,
    verify_request,
)
from cardsvc.protocol.strict_verify import verify_signed

WINDOW_S = 300
SIGNERS = [InMemorySigner() for _ in range(2)]
TERMINALS = ["T1", "HN01-POS1"]
KEYS = {
    s.key_id: KeyStatus(s.public_key_raw(), t, True)
    for s, t in zip(SIGNERS, TERMINALS, strict=True)
}
Verdict = tuple[str, ...] | tuple[SignatureParams, KeyStatus]


@contextmanager
def oracle_clock_rule() -> Iterator[None]:
    """The library without its own 5 s future limit: only the settings' window applies."""
    with mock.patch.object(HTTPMessageVerifier, "max_clock_skew", datetime.timedelta(days=3650)):
        yield


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def verdict(fn: Callable[..., tuple[SignatureParams, KeyStatus]], req: Request, now: int,
            keys: dict[str, KeyStatus]) -> Verdict:  # fmt: skip
    try:
        return fn(req.method, req.url, req.headers, req.body, keys.get, now=now, window_s=WINDOW_S)
    except SignatureRejected as exc:
        return ("refused", exc.code)


def both(req: Request, now: int, keys: dict[str, KeyStatus] = KEYS) -> tuple[Verdict, Verdict]:
    # Under the same rule for both: a request outside the profile's shape goes to the general
    # path, whose clock rule is the library's until the general path enforces the window too.
    with oracle_clock_rule():
        return verdict(verify_signed, req, now, keys), verdict(verify_request, req, now, keys)


def signed(
    body: bytes, signer: int = 0, created_offset: int = 0, path: str = "/v1/batches",
    nonce: str | None = None, method: str = "POST", terminal: str | None = None,
) -> tuple[Request, int]:  # fmt: skip
    now = int(time.time())
    url = "http://ledger.test:8080" + path
    tid = terminal if terminal is not None else TERMINALS[signer]
    headers = sign_request(method, url, body, SIGNERS[signer], tid, created=now + created_offset,
                           nonce=nonce)  # fmt: skip
    return Request(method, url, headers, body), now


def _set(req: Request, name: str, value: str) -> Request:
    kept = {k: v for k, v in req.headers.items() if k.lower() != name}
    return Request(req.method, req.url, {**kept, name: value}, req.body)


def _drop(req: Request, name: str) -> Request:
    kept = {k: v for k, v in req.headers.items() if k.lower() != name}
    return Request(req.method, req.url, kept, req.body)


def _header(req: Request, name: str) -> str:
    return next((v for k, v in req.headers.items() if k.lower() == name), "")


HEADERS = ["signature-input", "signature", "content-digest", "content-type", "terminal-id"]
text = st.text(alphabet=st.characters(min_codepoint=0x09, max_codepoint=0x7F), max_size=40)


@st.composite
def mutation(draw: st.DrawFn) -> Callable[[Request], Request]:
    kind = draw(st.sampled_from([
        "none", "replace", "drop", "splice", "flip", "body", "method", "url", "pad", "case",
    ]))  # fmt: skip
    name = draw(st.sampled_from(HEADERS))
    if kind == "none":
        return lambda r: r
    if kind == "replace":
        value = draw(text)
        return lambda r: _set(r, name, value)
    if kind == "drop":
        return lambda r: _drop(r, name)
    if kind == "splice":  # part of the header replaced by random text
        at, cut, new = draw(st.integers(0, 200)), draw(st.integers(0, 8)), draw(text)
        return lambda r: _set(r, name, _header(r, name)[:at] + new + _header(r, name)[at + cut:])
    if kind == "flip":  # one character changed to another
        at, char = draw(st.integers(0, 200)), draw(st.sampled_from(list('aA0+/=";:() ,\\')))
        return lambda r: _set(r, name, _flip(_header(r, name), at, char))
    if kind == "body":
        extra = draw(st.binary(max_size=8))
        return lambda r: Request(r.method, r.url, r.headers, r.body + extra)
    if kind == "method":
        method = draw(st.sampled_from(["GET", "post", "PUT", "POST ", "PoSt"]))
        return lambda r: Request(method, r.url, r.headers, r.body)
    if kind == "url":
        url = draw(st.sampled_from([
            "http://ledger.test:8080/v1/batches/", "http://ledger.test/v1/Batches",
            "https://other.example/v1/batches?x=1", "http://ledger.test:8080/v1/%62atches",
            "http://ledger.test:8080", "http://ledger.test:8080/v1/batches#f", "/v1/batches",
            "http://ledger.test:8080/v1/bat ches", "http://[::1]:8080/v1/batches",
        ]))  # fmt: skip
        return lambda r: Request(r.method, url, r.headers, r.body)
    if kind == "pad":
        left, right = draw(st.sampled_from(["", " ", "\t"])), draw(st.sampled_from(["", " ", "\t"]))
        return lambda r: _set(r, name, left + _header(r, name) + right)
    return lambda r: Request(r.method, r.url, {k.upper(): v for k, v in r.headers.items()}, r.body)


def _flip(value: str, at: int, char: str) -> str:
    if not value:
        return char
    at %= len(value)
    return value[:at] + char + value[at + 1:]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=64),
    signer=st.integers(0, 1),
    offset=st.sampled_from([0, 0, 0, 0, -5, 6, 30, -299, 299, 305, -305, 10**6]),
    nonce=st.one_of(st.none(), st.text(alphabet="abcXYZ019-_ .", min_size=0, max_size=70)),
    terminal=st.sampled_from([None, None, None, "T1", "T2", "HN01-POS1"]),
    changes=st.lists(mutation(), max_size=3),
    key_state=st.sampled_from(["usable", "usable", "usable", "revoked", "unknown"]),
)
def test_same_verdict_as_the_library(
    body: bytes, signer: int, offset: int, nonce: str | None, terminal: str | None,
    changes: list[Callable[[Request], Request]], key_state: str,
) -> None:  # fmt: skip
    try:
        req, now = signed(body, signer, offset, nonce=nonce, terminal=terminal)
    except Exception:  # a nonce the signer itself refuses: nothing to send
        return
    for change in changes:
        req = change(req)
    keys = dict(KEYS)
    key_id = SIGNERS[signer].key_id
    if key_state == "revoked":
        keys[key_id] = KeyStatus(keys[key_id].public_key, keys[key_id].terminal_id, False,
                                 "key_revoked")  # fmt: skip
    elif key_state == "unknown":
        del keys[key_id]
    fast, oracle = both(req, now, keys)
    assert fast == oracle


def test_a_good_request_is_accepted_on_the_fast_path() -> None:
    req, now = signed(b'{"version":1}')
    with mock.patch("cardsvc.protocol.strict_verify.verify_request") as general:
        params, key = verify_signed(req.method, req.url, req.headers, req.body, KEYS.get,
                                    now=now, window_s=WINDOW_S)  # fmt: skip
    general.assert_not_called()  # the profile's own shape never reaches the general library
    assert (params.key_id, key.terminal_id) == (SIGNERS[0].key_id, "T1")
    assert both(req, now) == ((params, key), (params, key))


@pytest.mark.parametrize(
    ("offset", "code"),
    [(0, None), (30, None), (WINDOW_S, None), (-WINDOW_S, None),
     (WINDOW_S + 1, "future_request"), (-WINDOW_S - 1, "stale_request")],
)  # fmt: skip
def test_the_settings_window_is_the_clock_rule(offset: int, code: str | None) -> None:
    """A terminal 30 s ahead is served: the library's 5 s limit is not the rule."""
    req, now = signed(b"{}", created_offset=offset)
    result = verdict(verify_signed, req, now, KEYS)
    if code is None:
        assert isinstance(result[0], SignatureParams)
    else:
        assert result == ("refused", code)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda r: Request(r.method, r.url, r.headers, r.body + b" "), "bad_digest"),
        (lambda r: _set(r, "terminal-id", "T9"), "terminal_mismatch"),
        (lambda r: Request("GET", r.url, r.headers, r.body), "bad_signature"),
        (lambda r: Request(r.method, r.url.replace("batches", "keys"), r.headers, r.body),
         "bad_signature"),
        (lambda r: _set(r, "signature", "term=:" + base64.b64encode(bytes(64)).decode() + ":"),
         "bad_signature"),
        (lambda r: _drop(r, "content-digest"), "missing_signature"),
        (lambda r: _drop(r, "signature"), "missing_signature"),
    ],
)  # fmt: skip
def test_each_refusal_has_the_library_s_code(
    change: Callable[[Request], Request], code: str
) -> None:
    req, now = signed(b'{"version":1,"transactions":[]}')
    assert both(change(req), now) == (("refused", code), ("refused", code))
