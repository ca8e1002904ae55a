"""Malformed input gets a clear 422 `malformed_request`, and nothing is stored or changed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cardsvc.core.amounts import AMOUNT_MAX, BATCH_MAX
from tests.ledger.signed import send, sign
from tests.ledger.world import Till, World, expect

GOOD = {"id": "T1-100", "seq": 100, "op": "redeem", "instrument": "C1", "amount": 1_000}


def batch(**changes: Any) -> bytes:
    """A one-transaction batch with some fields changed (None: the field removed)."""
    tx = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    return json.dumps({"transactions": [tx]}).encode()


def many(count: int) -> bytes:
    txs = [{**GOOD, "id": f"T1-{i}", "seq": i} for i in range(1, count + 1)]
    return json.dumps({"transactions": txs}).encode()


MALFORMED_BODIES: dict[str, bytes] = {
    "invalid json": b'{"transactions": [',
    "empty body": b"",
    "not utf-8": b'{"transactions": "\xff\xfe"}',
    "not an object": b"[]",
    "NaN amount": batch().replace(b"1000", b"NaN"),
    "deep nesting": b'{"transactions": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
    "float amount": batch(amount=1.5),
    "integral float amount": batch(amount=1000.0),
    "string amount": batch(amount="1000"),
    "negative amount": batch(amount=-1),
    "amount above AMOUNT_MAX": batch(amount=AMOUNT_MAX + 1),
    "amount beyond 64 bits": batch(amount=10**30),
    "bool amount": batch(amount=True),
    "null amount": batch().replace(b"1000", b"null"),
    "float purchase amount": batch(purchase_amount=2.5),
    "bool seq": batch(seq=True),
    "zero seq": batch(seq=0),
    "string seq": batch(seq="100"),
    "negative expires_at": batch(op="hold", expires_at=-5),
    "unknown field": batch(discount=5),
    "unknown top-level field": json.dumps({"transactions": [GOOD], "store": "S2"}).encode(),
    "missing id": batch(id=None),
    "missing seq": batch(seq=None),
    "missing op": batch(op=None),
    "missing instrument": batch(instrument=None),
    "missing transactions": b"{}",
    "empty batch": b'{"transactions": []}',
    "batch over BATCH_MAX": many(BATCH_MAX + 1),
    "other protocol version": json.dumps({"version": 2, "transactions": [GOOD]}).encode(),
    "id too long": batch(id="T" * 65),
    "empty id": batch(id=""),
    "id with a space": batch(id="T1 100"),
    "id with a quote": batch(id="T1'--"),
    "non-ascii id": batch(id="thẻ-1"),
    "instrument with a slash": batch(instrument="C1/../C2"),
    "ref too long": batch(op="refund", ref="R" * 65),
    "unknown op": batch(op="steal"),
    "staff-only op": batch(op="block"),
    "upper-case op": batch(op="REDEEM"),
    "unknown funding": batch(funding="credit"),
    "string linked": batch(linked="yes"),
}


@pytest.fixture
def funded(world: World, till: Till) -> Till:
    till.do("issue", "C1", 100_000, program="PREPAID")
    return till


def test_malformed_batches_are_refused_and_store_nothing(
    world: World, funded: Till, subtests: pytest.Subtests
) -> None:
    before = world.counts()
    for name, body in MALFORMED_BODIES.items():
        with subtests.test(msg=name):
            response = send(world, sign(world, funded.signer, "T1", "/v1/batches", body))
            answer = expect(response, 422)
            assert answer["error"] == "malformed_request"
            assert answer["detail"]
            assert world.counts() == before
    assert world.balance("C1") == 100_000
    accepted = send(world, sign(world, funded.signer, "T1", "/v1/batches", batch()))
    assert expect(accepted)["results"][0]["code"] == "ok"  # and the good one goes through


def test_a_full_batch_of_batch_max_is_taken(world: World, funded: Till) -> None:
    body = json.dumps({"transactions": [
        {**GOOD, "id": f"B-{i}", "seq": 1_000 + i, "amount": 1} for i in range(BATCH_MAX)
    ]}).encode()  # fmt: skip
    answer = expect(send(world, sign(world, funded.signer, "T1", "/v1/batches", body)))
    assert {r["code"] for r in answer["results"]} == {"ok"}
    assert world.balance("C1") == 100_000 - BATCH_MAX


def test_valid_shapes_with_bad_values_are_recorded_failures(world: World, funded: Till) -> None:
    """Well-formed transactions the ledger refuses on their merits are journaled outcomes."""
    cases = [
        funded.tx("redeem", "C1", 0),
        funded.tx("redeem", "NO-SUCH-CARD", 5),
        funded.tx("issue", "C9", 5, program="NO-SUCH-PROGRAM"),
        funded.tx("top_up", "C1", AMOUNT_MAX),
        funded.tx("hold", "C1", 5, expires_at=world.clock() - 1),
    ]
    codes = [r.code for r in funded.send(*cases)]
    assert codes[:2] == ["invalid_amount", "not_found"]
    assert codes[2] == "unknown_program"
    assert codes[3:] == ["limit_exceeded", "hold_expired"]
    assert world.balance("C1") == 100_000


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/programs", {"id": "P2", "name": "x", "kind": "prepaid", "unit": "VND",
                          "max_balance": 1.5}),
        ("/v1/programs", {"id": "P2", "name": "x", "kind": "cash", "unit": "VND"}),
        ("/v1/programs", {"id": "P 2", "name": "x", "kind": "prepaid", "unit": "VND"}),
        ("/v1/stores", {"id": "S3"}),
        ("/v1/stores", {"id": "S" * 65, "name": "x"}),
        ("/v1/people", {"id": "p1", "name": "x", "role": "owner"}),
        ("/v1/terminals", {"id": "T9", "store_id": "S1", "name": ""}),
    ],
)  # fmt: skip
def test_malformed_administration_is_refused(world: World, path: str, body: Any) -> None:
    assert expect(world.post(path, body), 422)["error"] == "malformed_request"


def test_malformed_query_and_json_for_people(world: World) -> None:
    assert expect(world.get("/v1/instruments/C1/history?limit=abc"), 422)["error"] == (
        "malformed_request"
    )
    assert expect(world.get("/v1/instruments/C1/history?limit=0"), 422)["error"] == (
        "malformed_request"
    )
    raw = world.http.post(
        "/v1/stores", content=b"{oops", headers={**world.admin, "content-type": "application/json"}
    )
    assert expect(raw, 422)["error"] == "malformed_request"


def test_duplicates_and_dangling_references_are_clear_errors(world: World) -> None:
    person = {"id": "p1", "name": "x", "role": "finance", "store_id": None}
    expect(world.post("/v1/people", person), 201)
    assert expect(world.post("/v1/people", person), 409)["error"] == "conflict"
    staff_nowhere = {"id": "p2", "name": "x", "role": "staff", "store_id": "S404"}
    assert expect(world.post("/v1/people", staff_nowhere), 404)["error"] == "not_found"
    assert expect(world.post("/v1/stores", {"id": "S1", "name": "x"}), 409)["error"] == "conflict"
    terminal = {"id": "T9", "store_id": "S404", "name": "x"}
    assert expect(world.post("/v1/terminals", terminal), 404)["error"] == "not_found"
    again = {"id": "PREPAID", "name": "x", "kind": "prepaid", "unit": "VND"}
    assert expect(world.post("/v1/programs", again), 409)["error"] == "conflict"


def test_a_body_over_the_limit_is_refused_before_it_is_read(world: World) -> None:
    huge = b'{"version": 1, "transactions": [' + b" " * (5 * 1024 * 1024) + b"]}"
    before = world.counts()
    response = world.http.post(
        "/v1/batches", content=huge, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert world.counts() == before
