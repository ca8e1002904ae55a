"""Terminal key rotation: the old key keeps signing through the overlap window (queued offline
batches land), then retires; the new key signs from the moment it is enrolled."""

from __future__ import annotations

import json

import pytest

from cardsvc.protocol.client import LedgerRefused
from cardsvc.protocol.signing import InMemorySigner
from keys.enrolment import make_enrolment
from tests.ledger.signed import batch_body, send, sign
from tests.ledger.world import Till, World, expect


def test_rotation_drill_queued_batches_signed_with_the_old_key_land(
    world: World, till: Till
) -> None:
    till.do("issue", "C1", 100_000, program="PREPAID")
    queued = sign(
        world, till.signer, "T1", "/v1/batches", batch_body([till.tx("redeem", "C1", 1_000)])
    )
    world.clock.advance(10)
    new = InMemorySigner()
    assert till.client.rotate_key(new) == {
        "key_id": new.key_id,
        "retiring": till.key_id,
    }
    world.clock.advance(10)
    assert expect(send(world, queued))["results"][0]["code"] == "ok"
    assert till.do("redeem", "C1", 2_000).code == "ok"  # the old key, inside the overlap
    rotated = Till("T1", "S1", new, world.client_for("T1", new), next_seq=till.next_seq)
    assert rotated.do("redeem", "C1", 3_000).code == "ok"
    assert world.balance("C1") == 94_000


def test_the_old_key_retires_after_the_overlap(world: World, till: Till) -> None:
    till.do("issue", "C1", 100_000, program="PREPAID")
    new = InMemorySigner()
    till.client.rotate_key(new)
    world.clock.advance(world.settings.key_overlap_s - 1)
    assert till.do("redeem", "C1", 1_000).code == "ok"
    world.clock.advance(1)
    before = world.counts()
    late = sign(world, till.signer, "T1", "/v1/batches", batch_body([till.tx("redeem", "C1", 5)]))
    assert expect(send(world, late), 401)["error"] == "key_retired"
    assert world.counts() == before
    rotated = Till("T1", "S1", new, world.client_for("T1", new), next_seq=till.next_seq)
    assert rotated.do("redeem", "C1", 1_000).code == "ok"
    assert world.balance("C1") == 98_000


def test_a_key_already_enrolled_cannot_be_rotated_to(world: World, till: Till) -> None:
    other = world.till("T2", "S2")
    with pytest.raises(LedgerRefused) as refused:
        till.client.rotate_key(other.signer)
    assert (refused.value.status, refused.value.code) == (409, "conflict")
    assert till.do("issue", "C1", 1, program="PREPAID").code == "ok"  # T1's key still signs


def test_a_rotation_must_prove_the_new_key_and_be_endorsed_by_the_signing_key(
    world: World, till: Till
) -> None:
    new, stranger = InMemorySigner(), InMemorySigner()
    unendorsed = make_enrolment(new, "T1", world.clock())
    by_stranger = make_enrolment(new, "T1", world.clock(), previous=stranger)
    forged = make_enrolment(new, "T1", world.clock(), previous=till.signer)
    forged["body"] = {**forged["body"], "public_key": stranger.public_key_raw().hex(),
                      "key_id": stranger.key_id}  # fmt: skip
    for enrolment in (unendorsed, by_stranger, forged):
        body = json.dumps({"enrolment": enrolment}).encode()
        refused = send(world, sign(world, till.signer, "T1", "/v1/terminal/keys", body))
        assert refused.status_code == 403, refused.text
    assert till.do("issue", "C1", 1, program="PREPAID").code == "ok"  # nothing was rotated
    assert till.client.rotate_key(new)["key_id"] == new.key_id
