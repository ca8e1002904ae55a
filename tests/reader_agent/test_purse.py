"""The purse through the in-process reader: personalise, credit, debit, refunds, limits, tears."""

from __future__ import annotations

import pytest

from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.desfire_protocol import DesfireError, Status
from reader_agent.cards.purse import (
    PendingOperation,
    Purse,
    PurseCardError,
    PurseLayout,
    PurseOutcome,
    RecoveryDecision,
    personalise,
)
from reader_agent.cards.purse_recovery import PurseOperationKind
from reader_agent.drivers.errors import CardRemovedError
from reader_agent.drivers.virtual import VirtualReader
from reader_agent.emulate.card import TearPoint
from reader_agent.emulate.desfire_card import EmulatedDesfire

from .conftest import UID, DiversifiedKeys


def purse(reader: VirtualReader, keys: DiversifiedKeys, layout: PurseLayout) -> Purse:
    return Purse(DesfireClient(reader.transmit), keys, layout)


def test_personalise_then_credit_debit_balance(
    reader: VirtualReader, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    assert personalise(DesfireClient(reader.transmit), card_keys, layout) == UID
    p = purse(reader, card_keys, layout)
    first = p.balance()
    assert (first.value_after, first.counter_after) == (0, 0)
    top_up = p.credit(150_000)
    assert (top_up.outcome, top_up.value_before, top_up.value_after) == (
        PurseOutcome.OK,
        0,
        150_000,
    )
    assert (top_up.counter_before, top_up.counter_after) == (0, 1)
    sale = p.debit(45_000)
    assert (sale.value_before, sale.value_after, sale.counter_after) == (150_000, 105_000, 2)
    assert sale.uid == UID
    assert p.balance().value_after == 105_000


def test_personalised_keys_are_diversified_and_defaults_gone(
    purse_card: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    app = purse_card.state.applications[layout.aid]
    aid = layout.aid.to_bytes(3, "little")
    assert [slot.key for slot in app.keys] == [card_keys(UID, aid, n) for n in range(3)]
    assert all(slot.version == 1 for slot in app.keys)
    client = DesfireClient(VirtualReader.transmit.__get__(_reader_for(purse_card)))
    client.select_application(layout.aid)
    with pytest.raises(DesfireError) as failure:
        client.authenticate(1, bytes(16), ev2=purse_card.state.hw_major >= 0x12)
    assert failure.value.status == Status.AUTHENTICATION_ERROR


def _reader_for(card: EmulatedDesfire) -> VirtualReader:
    reader = VirtualReader()
    reader.insert(card)
    return reader


def test_insufficient_funds_and_upper_limit_leave_the_card_unchanged(
    purse_card: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    p = purse(_reader_for(purse_card), card_keys, layout)
    short = p.debit(100_001)
    assert (short.outcome, short.value_after, short.counter_after) == (
        PurseOutcome.INSUFFICIENT_FUNDS,
        100_000,
        1,
    )
    over = p.credit(layout.upper_limit)
    assert over.outcome == PurseOutcome.LIMIT_EXCEEDED
    assert p.balance().value_after == 100_000


def test_bad_amounts_are_refused_before_touching_the_card(
    purse_card: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    reader = _reader_for(purse_card)
    p = purse(reader, card_keys, layout)
    for bad in (0, -5, 2**31):
        with pytest.raises(ValueError):
            p.debit(bad)
    with pytest.raises(TypeError):
        p.debit(1.5)  # type: ignore[arg-type]
    assert reader.trace.entries() == []


def test_limited_credit_refunds_at_most_the_last_debit_once(
    purse_card: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    p = purse(_reader_for(purse_card), card_keys, layout)
    p.debit(30_000)
    with pytest.raises(PurseCardError):
        p.limited_credit(30_001)
    refund = p.limited_credit(20_000)
    assert (refund.value_before, refund.value_after) == (70_000, 90_000)
    with pytest.raises(PurseCardError):
        p.limited_credit(1)  # spent: LimitedCredit resets the allowance
    assert p.balance().value_after == 90_000


def test_debit_key_cannot_credit(
    purse_card: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    client = DesfireClient(_reader_for(purse_card).transmit)
    client.select_application(layout.aid)
    ev2 = purse_card.state.hw_major >= 0x12
    client.authenticate(1, card_keys(UID, layout.aid.to_bytes(3, "little"), 1), ev2=ev2)
    with pytest.raises(DesfireError) as failure:
        client.credit(layout.purse_file, 1, layout.comm_mode)
    assert failure.value.status == Status.PERMISSION_DENIED


def test_a_blank_card_is_not_a_purse(
    reader: VirtualReader, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    with pytest.raises(PurseCardError):
        purse(reader, card_keys, layout).balance()


def test_personalising_again_is_a_no_op(
    purse_card: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    personalise(DesfireClient(_reader_for(purse_card).transmit), card_keys, layout)
    assert purse(_reader_for(purse_card), card_keys, layout).balance().value_after == 100_000


# A debit is: GetVersion, Select, Auth (+AF), GetValue x2, Debit purse, Debit counter, Commit.
DEBIT_STEPS = [
    (0x6C, 1, False),  # before reading the value
    (0xDC, 1, False),  # before the purse debit
    (0xDC, 1, True),  # purse debited (pending), answer lost
    (0xDC, 2, False),  # before the counter debit
    (0xDC, 2, True),
    (0xC7, 1, False),  # before commit
    (0xC7, 1, True),  # committed, answer lost
]


@pytest.mark.parametrize(("ins", "occurrence", "after"), DEBIT_STEPS)
def test_tear_at_every_step_of_a_debit_then_recover(
    purse_card: EmulatedDesfire,
    card_keys: DiversifiedKeys,
    layout: PurseLayout,
    ins: int,
    occurrence: int,
    after: bool,
) -> None:
    reader = _reader_for(purse_card)
    journal: list[PendingOperation] = []
    purse_card.tear.arm(TearPoint(ins, occurrence, after))
    with pytest.raises(CardRemovedError):
        purse(reader, card_keys, layout).debit(25_000, journal=journal.append)
    reader.insert(purse_card)  # the customer taps again
    p = purse(reader, card_keys, layout)
    committed = ins == 0xC7 and after
    if not journal:  # torn before anything was journaled: the sale simply did not happen
        assert not committed
        p.debit(25_000)
    else:
        decision, seen = p.recover(journal[0])
        assert decision is (
            RecoveryDecision.COMMITTED if committed else RecoveryDecision.NOT_COMMITTED
        )
        assert seen.counter_after == (2 if committed else 1)
        if decision is RecoveryDecision.NOT_COMMITTED:
            p.debit(25_000)  # safe to retry
    # exactly one debit of 25,000 in the end: no double debit, no lost value
    final = p.balance()
    assert (final.value_after, final.counter_after) == (75_000, 2)


def test_recover_is_inconclusive_when_the_card_moved_on(
    purse_card: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    p = purse(_reader_for(purse_card), card_keys, layout)
    stale = PendingOperation(UID, PurseOperationKind.DEBIT, 25_000, 1, 100_000)
    p.debit(10_000)  # another terminal's sale
    p.debit(5_000)
    decision, _ = p.recover(stale)
    assert decision is RecoveryDecision.INCONCLUSIVE


def test_recover_refuses_another_card(
    purse_card: EmulatedDesfire, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    p = purse(_reader_for(purse_card), card_keys, layout)
    other = PendingOperation(bytes(7), PurseOperationKind.DEBIT, 1, 1, 100_000)
    with pytest.raises(PurseCardError):
        p.recover(other)


def test_pending_operation_json_round_trip() -> None:
    pending = PendingOperation(UID, PurseOperationKind.CREDIT, 7, 3, 10)
    assert PendingOperation.from_json(pending.to_json()) == pending
    assert pending.value_after == 17
