"""One group commit carrying several submissions: a replay among them is refused alone and the
others get their own results, in order."""

from __future__ import annotations

from cardsvc.core import Policy
from cardsvc.protocol.signing import SignatureRejected
from cardsvc.services.ingest import Actor, Evidence, Submission, SubmissionResult, commit_group
from tests.ledger.world import Till, World


def _evidence(till: Till, world: World, nonce: str) -> Evidence:
    return Evidence(till.key_id, world.clock(), nonce, "POST", "/v1/batches",
                    "term=()", "term=:AA==:", "sha-256=:AA==:", b"{}")  # fmt: skip


def test_a_replay_inside_a_group_is_refused_and_does_not_shift_the_others(
    world: World, till: Till
) -> None:
    till.do("issue", "C1", 100_000, program="PREPAID")
    first, second = [till.tx("redeem", "C1", 1_000)], [till.tx("redeem", "C1", 2_000)]
    actor = Actor(till.id, "S1")
    group = [
        Submission(actor, first, _evidence(till, world, "nonce-aaaaaaaa")),
        Submission(actor, first, _evidence(till, world, "nonce-aaaaaaaa")),  # the replay
        Submission(actor, second, _evidence(till, world, "nonce-bbbbbbbb")),
    ]
    with world.ledger.db.write() as uow:
        out = commit_group(uow, group, world.clock(), Policy())
    assert isinstance(out[1], SignatureRejected) and out[1].code == "replay"
    ok_first, ok_second = out[0], out[2]
    assert isinstance(ok_first, SubmissionResult) and isinstance(ok_second, SubmissionResult)
    assert [(r.id, r.code) for r in ok_first.results] == [(first[0].id, "ok")]
    assert [(r.id, r.code) for r in ok_second.results] == [(second[0].id, "ok")]
    assert world.balance("C1") == 97_000
