"""Exactly once through the service: resends, changed resends, reused sequence numbers and
linked chains that apply all or nothing."""

from __future__ import annotations

from cardsvc.protocol.messages import TransactionMsg
from tests.ledger.world import Till, World


def codes(results: list) -> list[str]:  # type: ignore[type-arg]
    return [r.code for r in results]


def test_a_resent_batch_returns_the_first_results_and_stores_no_new_entries(
    world: World, till: Till
) -> None:
    batch = [
        till.tx("issue", "C1", 100_000, program="PREPAID"),
        till.tx("redeem", "C1", 30_000),
        till.tx("redeem", "C1", 500_000),
    ]
    first = till.send(*batch)
    assert [(r.code, r.balance_after) for r in first] == [
        ("ok", 100_000),
        ("ok", 70_000),
        ("insufficient_funds", None),
    ]
    till.do("top_up", "C1", 900_000)  # the failed redemption would now succeed: it must not
    before = world.counts()
    again = till.client.submit(batch)  # a new signature (new nonce) over the same batch
    assert [(r.code, r.balance_after) for r in again.results] == [
        ("exists", 100_000),
        ("exists", 70_000),
        ("insufficient_funds", None),
    ]
    assert [(r.id, r.seq) for r in again.results] == [(t.id, t.seq) for t in batch]
    after = world.counts()
    assert after["transactions"] == before["transactions"]
    assert after["postings"] == before["postings"]
    assert after["signed"] == before["signed"] + 1  # the resend is evidence too
    assert world.balance("C1") == 970_000


def test_the_same_id_with_other_content_is_refused(world: World, till: Till) -> None:
    till.do("issue", "C1", 100_000, program="PREPAID")
    spend = till.tx("redeem", "C1", 10_000)
    assert till.send(spend)[0].code == "ok"
    before = world.counts()
    changed = spend.model_copy(update={"amount": 20_000})
    assert till.send(changed)[0].code == "exists_with_different_fields"
    other_till = world.till("T2", "S1")  # same id and content, but from another terminal
    same_id = other_till.tx("redeem", "C1", 10_000).model_copy(update={"id": spend.id})
    assert other_till.send(same_id)[0].code == "exists_with_different_fields"
    after = world.counts()
    assert (after["transactions"], after["postings"]) == (
        before["transactions"],
        before["postings"],
    )
    assert world.balance("C1") == 90_000


def test_a_reused_sequence_number_is_refused_and_not_recorded(world: World, till: Till) -> None:
    till.do("issue", "C1", 100_000, program="PREPAID")
    spend = till.tx("redeem", "C1", 10_000)
    till.send(spend)
    before = world.counts()
    reuse = TransactionMsg(id="T1-other", seq=spend.seq, op="redeem", instrument="C1", amount=5)
    result = till.send(reuse)[0]
    assert (result.code, result.id, result.seq) == ("sequence_reused", "T1-other", spend.seq)
    a, b = till.tx("redeem", "C1", 1_000), till.tx("redeem", "C1", 2_000)
    twin = b.model_copy(update={"seq": a.seq})  # two new ids with one number in one batch
    assert codes(till.send(a, twin)) == ["ok", "sequence_reused"]
    assert world.counts()["transactions"] == before["transactions"] + 1
    assert world.balance("C1") == 89_000
    retry = reuse.model_copy(update={"seq": till.tx("redeem", "C1").seq})
    assert till.send(retry)[0].code == "ok"  # the refused id was not burnt
    assert world.balance("C1") == 88_995


def test_linked_chains_apply_all_or_nothing(world: World, till: Till) -> None:
    till.do("issue", "C1", 100_000, program="PREPAID")
    till.do("issue", "C2", 0, program="PREPAID")
    move = till.tx("transfer", "C1", 60_000, counterparty="C2", linked=True)
    spend = till.tx("redeem", "C2", 80_000)
    assert codes(till.send(move, spend)) == ["linked_event_failed", "insufficient_funds"]
    assert (world.balance("C1"), world.balance("C2")) == (100_000, 0)
    assert codes(till.send(move, spend)) == ["linked_event_failed", "insufficient_funds"]
    good = [
        till.tx("transfer", "C1", 60_000, counterparty="C2", linked=True),
        till.tx("redeem", "C2", 50_000),
    ]
    assert codes(till.send(*good)) == ["ok", "ok"]
    assert (world.balance("C1"), world.balance("C2")) == (40_000, 10_000)
    assert codes(till.client.submit(good).results) == ["exists", "exists"]
    assert (world.balance("C1"), world.balance("C2")) == (40_000, 10_000)


def test_a_chain_fails_whole_when_the_service_refuses_a_member(world: World, till: Till) -> None:
    till.do("issue", "C1", 100_000, program="PREPAID")
    used = till.tx("redeem", "C1", 1_000)
    till.send(used)
    before = world.counts()
    first = till.tx("redeem", "C1", 5_000, linked=True)
    bad_seq = TransactionMsg(id="T1-x", seq=used.seq, op="redeem", instrument="C1", amount=5)
    assert codes(till.send(first, bad_seq)) == ["linked_event_failed", "sequence_reused"]
    open_chain = till.tx("redeem", "C1", 5_000, linked=True)
    assert codes(till.send(open_chain)) == ["linked_chain_open"]
    assert world.counts()["transactions"] == before["transactions"]
    assert world.balance("C1") == 99_000
    closed = open_chain.model_copy(update={"linked": False})
    assert codes(till.send(closed)) == ["ok"]  # nothing was recorded: it can be sent again
    assert world.balance("C1") == 94_000


def test_a_resend_must_repeat_its_sequence_number(world: World, till: Till) -> None:
    till.do("issue", "C1", 100_000, program="PREPAID")
    spend = till.tx("redeem", "C1", 10_000)
    assert till.send(spend)[0].code == "ok"
    renumbered = spend.model_copy(update={"seq": spend.seq + 1000})
    assert till.send(renumbered)[0].code == "exists_with_different_fields"
    assert till.send(spend)[0].code == "exists"
    assert world.balance("C1") == 90_000


def test_issue_names_an_existing_program_and_is_not_used_up_when_it_does_not(
    world: World, till: Till
) -> None:
    unknown = till.tx("issue", "C9", 10_000, program="NO-SUCH-PROGRAM")
    missing = till.tx("issue", "C8", 10_000)
    before = world.counts()
    assert [r.code for r in till.send(unknown, missing)] == ["unknown_program", "program_required"]
    assert world.counts()["transactions"] == before["transactions"]
    fixed = unknown.model_copy(update={"program": "PREPAID"})
    assert till.send(fixed)[0].code == "ok"  # the id was not used up by the refusal
