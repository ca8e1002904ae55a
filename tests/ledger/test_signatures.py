"""Signed requests the ledger must refuse: each a 401 with a stable code, and nothing stored."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace

import pytest

from cardsvc.protocol.signing import InMemorySigner
from tests.ledger.signed import SignedRequest, batch_body, content_digest, send, sign
from tests.ledger.world import Till, World, expect


@pytest.fixture
def funded(world: World, till: Till) -> Till:
    """T1 with card C1 holding 100,000đ."""
    till.do("issue", "C1", 100_000, program="PREPAID")
    return till


def spend(till: Till, amount: int = 10_000) -> bytes:
    return batch_body([till.tx("redeem", "C1", amount)])


@pytest.fixture
def refused(world: World, funded: Till) -> Iterator[list[SignedRequest]]:
    """Every request appended to the list must be refused and leave the journal unchanged."""
    sent: list[SignedRequest] = []
    before = world.counts()
    yield sent
    assert sent, "the test refused nothing"
    assert world.counts() == before
    assert world.balance("C1") == 100_000


def refusal(world: World, request: SignedRequest, refused: list[SignedRequest]) -> str:
    refused.append(request)
    body = expect(send(world, request), 401)
    assert body["detail"]
    code: str = body["error"]
    return code


def test_a_tampered_body_is_refused(
    world: World, funded: Till, refused: list[SignedRequest]
) -> None:
    good = sign(world, funded.signer, "T1", "/v1/batches", spend(funded))
    more = good.body.replace(b"10000", b"99999")
    assert refusal(world, replace(good, body=more), refused) == "bad_digest"
    redigested = replace(good, body=more).with_headers(content_digest=content_digest(more))
    assert refusal(world, redigested, refused) == "bad_signature"


def test_a_tampered_signature_or_path_is_refused(
    world: World, funded: Till, refused: list[SignedRequest]
) -> None:
    good = sign(world, funded.signer, "T1", "/v1/batches", spend(funded))
    assert refusal(world, good.with_headers(signature=_flip_bit(good)), refused) == "bad_signature"
    other_path = sign(world, funded.signer, "T1", "/v1/terminal/keys", spend(funded))
    assert refusal(world, replace(other_path, path="/v1/batches"), refused) == "bad_signature"
    lookup = sign(world, funded.signer, "T1", "/v1/terminal/instruments/C1", method="GET")
    moved = replace(lookup, path="/v1/terminal/instruments/C2")
    assert refusal(world, moved, refused) == "bad_signature"


def test_a_replayed_request_is_refused(world: World, funded: Till) -> None:
    request = sign(world, funded.signer, "T1", "/v1/batches", spend(funded))
    assert expect(send(world, request))["results"][0]["code"] == "ok"
    before = world.counts()
    assert expect(send(world, request), 401)["error"] == "replay"
    assert world.counts() == before
    assert world.balance("C1") == 90_000
    same_nonce = sign(
        world, funded.signer, "T1", "/v1/batches", spend(funded), nonce=_nonce(request)
    )
    assert expect(send(world, same_nonce), 401)["error"] == "replay"  # new body, same nonce
    assert world.counts() == before


def _flip_bit(request: SignedRequest) -> str:
    raw = bytearray(base64.b64decode(request.headers["Signature"].split(":")[1]))
    raw[7] ^= 0x01
    return "term=:" + base64.b64encode(bytes(raw)).decode() + ":"


def _nonce(request: SignedRequest) -> str:
    return request.headers["Signature-Input"].split('nonce="')[1].split('"')[0]


def test_stale_and_future_requests_are_refused(
    world: World, funded: Till, refused: list[SignedRequest]
) -> None:
    window = world.settings.signature_window_s
    now = world.clock()
    stale = sign(world, funded.signer, "T1", "/v1/batches", spend(funded), created=now - window - 1)
    assert refusal(world, stale, refused) == "stale_request"
    future = sign(
        world, funded.signer, "T1", "/v1/batches", spend(funded), created=now + window + 1
    )
    assert refusal(world, future, refused) == "future_request"


def test_requests_at_the_edges_of_the_window_are_accepted(world: World, funded: Till) -> None:
    window = world.settings.signature_window_s
    for created in (world.clock() - window, world.clock() + window):
        request = sign(world, funded.signer, "T1", "/v1/batches", spend(funded), created=created)
        assert expect(send(world, request))["results"][0]["code"] == "ok"


def test_keys_that_are_not_the_terminals_are_refused(
    world: World, funded: Till, refused: list[SignedRequest]
) -> None:
    stranger = InMemorySigner()  # never enrolled
    assert refusal(world, sign(world, stranger, "T1", "/v1/batches", spend(funded)), refused) == (
        "unknown_key"
    )
    other = world.till("T2", "S2")
    stolen_name = sign(world, other.signer, "T1", "/v1/batches", spend(funded))
    assert refusal(world, stolen_name, refused) == "terminal_mismatch"
    ghost = sign(world, funded.signer, "GHOST", "/v1/batches", spend(funded))
    assert refusal(world, ghost, refused) == "terminal_mismatch"
    world.new_terminal("T3", "S1")  # created, never enrolled: it has no key yet
    pending = sign(world, stranger, "T3", "/v1/batches", spend(funded))
    assert refusal(world, pending, refused) == "unknown_key"


def test_a_revoked_key_is_refused(world: World, funded: Till, refused: list[SignedRequest]) -> None:
    queued = sign(world, funded.signer, "T1", "/v1/batches", spend(funded))
    revoked = expect(world.post(f"/v1/keys/{funded.key_id}/revoke", {}))
    assert revoked == {"key_id": funded.key_id, "status": "revoked"}
    assert refusal(world, queued, refused) == "key_revoked"
    fresh = sign(world, funded.signer, "T1", "/v1/batches", spend(funded))
    assert refusal(world, fresh, refused) == "key_revoked"
    assert expect(world.post(f"/v1/keys/{funded.key_id}/revoke", {}), 404)["error"] == "not_found"


def test_missing_or_malformed_signatures_are_refused(
    world: World, funded: Till, refused: list[SignedRequest]
) -> None:
    body = spend(funded)
    bare = SignedRequest("POST", "/v1/batches", body, {"content-type": "application/json"})
    assert refusal(world, bare, refused) == "missing_signature"
    good = sign(world, funded.signer, "T1", "/v1/batches", body)
    garbled = good.with_headers(signature_input="term=(((")
    assert refusal(world, garbled, refused) == "malformed_signature"
    untagged = good.with_headers(
        signature_input=good.headers["Signature-Input"].replace("cardsvc-v1", "x")
    )
    assert refusal(world, untagged, refused) == "malformed_signature"
