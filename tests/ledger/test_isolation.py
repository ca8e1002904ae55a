"""Group-commit isolation: a submission the database refuses fails alone; the others of its group
commit with their results; a resend of it is answered from the first failure without the
database. The poisoned submission here issues under a program whose terms the schema cannot
hold (stored behind the API's bounds, as a defect would), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from cardsvc.core import InstrumentKind, InstrumentSpec, Unit
from cardsvc.protocol.client import LedgerRefused
from cardsvc.services.committer import GroupCommitter
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.isolation import PoisonMemory, RequestFailed, fingerprint
from cardsvc.storage.faults import DatabaseUnavailable, Fault
from cardsvc.storage.programs import Program
from tests.ledger.world import Till, World

UNSTORABLE = 2**63  # past BIGINT: only a defect could put it in a program's terms


def _poisoned_program(world: World) -> None:
    spec = InstrumentSpec(InstrumentKind.GIFT, Unit.VND, "BROKEN", valid_until=UNSTORABLE)
    with world.ledger.db.write() as uow:
        uow.programs.add(Program("BROKEN", "hỏng", spec, None), world.clock())


def _idle_committer(world: World) -> GroupCommitter:
    """A committer whose groups the test forms itself (no thread)."""
    return GroupCommitter(world.ledger.db, world.ledger.committer.policy, clock=world.clock)


def test_one_unstorable_submission_fails_alone_and_the_group_commits(
    world: World, till: Till
) -> None:
    other = world.till("T2", "S2")
    _poisoned_program(world)
    good_a = Submission(Actor(till.id, "S1"), [till.tx("issue", "A", 10_000, program="GIFT")])
    bad = Submission(Actor(till.id, "S1"), [till.tx("issue", "X", 10_000, program="BROKEN")])
    good_b = Submission(Actor(other.id, "S2"), [other.tx("issue", "B", 20_000, program="PREPAID")])
    good_c = Submission(Actor(other.id, "S2"), [other.tx("top_up", "B", 5_000)])
    committer = _idle_committer(world)
    committer.commit([good_a, bad, good_b, good_c])
    assert [r.code for r in good_a.future.result().results] == ["ok"]
    assert [r.code for r in good_b.future.result().results] == ["ok"]
    assert [(r.code, r.balance_after) for r in good_c.future.result().results] == [("ok", 25_000)]
    failure = bad.future.exception()
    assert isinstance(failure, RequestFailed) and failure.code == "request_failed"
    assert world.balance("A") == 10_000 and world.balance("B") == 25_000
    assert expect_missing(world, "X")
    assert len(committer.poison) == 1


def expect_missing(world: World, instrument: str) -> bool:
    return world.get(f"/v1/instruments/{instrument}").status_code == 404


def test_a_resend_of_a_failed_submission_is_answered_without_the_database(
    world: World, till: Till
) -> None:
    _poisoned_program(world)
    tx = till.tx("issue", "X", 10_000, program="BROKEN")
    with pytest.raises(LedgerRefused) as first:
        till.send(tx)
    assert (first.value.status, first.value.code) == (500, "request_failed")
    counts, groups = world.counts(), world.ledger.committer.groups_committed
    for _ in range(3):  # the agent resends: new signature, same transaction
        with pytest.raises(LedgerRefused) as again:
            till.send(tx)
        assert (again.value.status, again.value.code) == (500, "request_failed")
    assert world.ledger.committer.poison.answered == 3
    assert world.counts() == counts  # nothing kept, not even the signed requests
    assert world.ledger.committer.groups_committed == groups
    assert till.do("issue", "OK", 1_000, program="GIFT").code == "ok"  # the terminal goes on


def test_poison_memory_is_bounded_and_forgets() -> None:
    now = [0.0]
    memory = PoisonMemory(max_entries=2, ttl_s=10, clock=lambda: now[0])
    subs = [Submission(Actor("T", "S"), [_msg(i)]) for i in range(3)]
    for sub in subs:
        memory.remember(sub, RequestFailed("x"))
    assert len(memory) == 2 and memory.recall(subs[0]) is None  # the oldest went first
    assert memory.recall(subs[2]) is not None
    now[0] = 11
    assert memory.recall(subs[2]) is None  # expired
    assert fingerprint(subs[1]) != fingerprint(Submission(Actor("T2", "S"), [_msg(1)]))


def _msg(i: int) -> object:
    from cardsvc.services.instructions import ServiceInstruction

    return ServiceInstruction(id=f"t{i}", op="block", instrument="C")


def test_an_unreachable_database_blames_no_submission(world: World, till: Till) -> None:
    subs = [Submission(Actor(till.id, "S1"), [till.tx("issue", f"C{i}", 1, program="GIFT")])
            for i in range(4)]  # fmt: skip
    committer = _idle_committer(world)
    attempts: list[int] = []

    def down(group: list[Submission]) -> list[object]:
        attempts.append(len(group))
        raise DatabaseUnavailable()

    committer._attempt = down  # type: ignore[method-assign,assignment]
    committer.commit(subs)
    assert attempts == [4]  # no splitting: nobody is to blame
    assert all(isinstance(s.future.exception(), DatabaseUnavailable) for s in subs)
    assert len(committer.poison) == 0
    assert world.ledger.db.classify(DatabaseUnavailable()) is Fault.UNAVAILABLE
