"""End to end through the real pcscd: the emulated DESFire card in vpcd, the pyscard driver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.purse import (
    PendingOperation,
    Purse,
    PurseLayout,
    RecoveryDecision,
    personalise,
)
from reader_agent.drivers import pcsc
from reader_agent.drivers.errors import CardRemovedError, ReaderTimeoutError, TransmissionError
from reader_agent.emulate.card import TearPoint
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.vpcd import VpcdCardLink

from .conftest import UID, VPCD_READER, DiversifiedKeys

pytestmark = pytest.mark.pcscd
CARD_WAIT = 10.0  # seconds; pcscd notices a vpcd card within ~0.5 s


@pytest.fixture
def reader(vpcd_card: tuple[EmulatedDesfire, VpcdCardLink]) -> Iterator[pcsc.PcscReader]:
    with pcsc.PcscReader(VPCD_READER) as reader:
        yield reader


def test_list_readers_shows_the_virtual_reader_with_the_card(
    vpcd_card: tuple[EmulatedDesfire, VpcdCardLink], reader: pcsc.PcscReader
) -> None:
    reader.wait_for_card(CARD_WAIT)
    names = {info.name: info for info in pcsc.list_readers()}
    assert names[VPCD_READER].card_present is True
    assert names[VPCD_READER].driver == "pcsc"


def test_personalise_credit_debit_balance_through_pcscd(
    reader: pcsc.PcscReader, card_keys: DiversifiedKeys, layout: PurseLayout
) -> None:
    info = reader.wait_for_card(CARD_WAIT)
    assert info.uid == UID
    assert info.atr == bytes.fromhex("3B8180018080")
    personalise(DesfireClient(reader.transmit), card_keys, layout)
    purse = Purse(DesfireClient(reader.transmit), card_keys, layout)
    assert purse.credit(200_000).value_after == 200_000
    sale = purse.debit(64_000)
    assert (sale.value_before, sale.value_after, sale.counter_after) == (200_000, 136_000, 2)
    assert purse.balance().value_after == 136_000
    # the trace holds the exchange but never the authentication cryptograms
    dump = reader.trace.dump()
    assert "906c" in dump and "redacted" in dump
    assert all("9071000002" not in line or "redacted" in line for line in dump.splitlines())


def test_removal_and_reinsertion_are_seen(
    vpcd_card: tuple[EmulatedDesfire, VpcdCardLink], reader: pcsc.PcscReader
) -> None:
    _, link = vpcd_card
    reader.wait_for_card(CARD_WAIT)
    link.remove()
    reader.wait_for_removal(CARD_WAIT)
    with pytest.raises(ReaderTimeoutError):
        reader.wait_for_card(0.3)
    link.insert()
    assert reader.wait_for_card(CARD_WAIT).uid == UID


DEBIT_TEARS = [
    (0xDC, 1, False),
    (0xDC, 1, True),
    (0xDC, 2, False),
    (0xDC, 2, True),
    (0xC7, 1, False),
    (0xC7, 1, True),
]


def test_tear_at_every_step_of_a_debit_through_pcscd(
    vpcd_card: tuple[EmulatedDesfire, VpcdCardLink],
    reader: pcsc.PcscReader,
    card_keys: DiversifiedKeys,
    layout: PurseLayout,
) -> None:
    emulated, _ = vpcd_card
    reader.wait_for_card(CARD_WAIT)
    personalise(DesfireClient(reader.transmit), card_keys, layout)
    Purse(DesfireClient(reader.transmit), card_keys, layout).credit(100_000)
    expected_value, expected_counter = 100_000, 1
    for ins, occurrence, after in DEBIT_TEARS:
        journal: list[PendingOperation] = []
        emulated.tear.arm(TearPoint(ins, occurrence, after))
        with pytest.raises((CardRemovedError, TransmissionError)):
            Purse(DesfireClient(reader.transmit), card_keys, layout).debit(
                10_000, journal=journal.append
            )
        reader.wait_for_card(CARD_WAIT)  # the emulator comes back: the customer taps again
        purse = Purse(DesfireClient(reader.transmit), card_keys, layout)
        decision, _ = purse.recover(journal[0])
        committed = ins == 0xC7 and after
        assert decision is (
            RecoveryDecision.COMMITTED if committed else RecoveryDecision.NOT_COMMITTED
        ), (ins, occurrence, after)
        if not committed:
            purse.debit(10_000)  # nothing happened: the retry is the only debit
        expected_value -= 10_000
        expected_counter += 1
        balance = purse.balance()
        assert (balance.value_after, balance.counter_after) == (expected_value, expected_counter)


# Personalising a factory-fresh card: 0A + AF (factory DES key), C4 #1 (PICC key -> AES),
# 71 + AF (new PICC key), CA, 71 + AF (application), CC x2, C4 #2 #3 (keys 1, 2), C4 #4 (key 0).
PERSONALISATION_TEARS = [
    TearPoint(0x0A), TearPoint(0xC4, 1), TearPoint(0xC4, 1, after=True), TearPoint(0xCA),
    TearPoint(0xCA, after=True), TearPoint(0xCC, 1, after=True), TearPoint(0xCC, 2, after=True),
    TearPoint(0xC4, 2, after=True), TearPoint(0xC4, 3, after=True), TearPoint(0xC4, 4),
    TearPoint(0xC4, 4, after=True),
]  # fmt: skip


@pytest.mark.parametrize("tear", PERSONALISATION_TEARS, ids=lambda t: f"{t.ins:02X}-{t.occurrence}"
                         f"-{'after' if t.after else 'before'}")  # fmt: skip
def test_a_tear_in_personalisation_is_recovered_by_the_next_attempt(
    vpcd_card: tuple[EmulatedDesfire, VpcdCardLink],
    reader: pcsc.PcscReader,
    card_keys: DiversifiedKeys,
    layout: PurseLayout,
    tear: TearPoint,
) -> None:
    emulated, _ = vpcd_card
    assert not emulated.state.picc_key.aes  # factory state: DES zero PICC master key
    emulated.tear.arm(tear)
    reader.wait_for_card(CARD_WAIT)
    with pytest.raises((CardRemovedError, TransmissionError)):
        personalise(DesfireClient(reader.transmit), card_keys, layout)
    assert emulated.tear.fired == [tear]
    reader.wait_for_card(CARD_WAIT)  # no operator: the next tap simply personalises again
    assert personalise(DesfireClient(reader.transmit), card_keys, layout) == UID
    purse = Purse(DesfireClient(reader.transmit), card_keys, layout)
    assert purse.credit(20_000).value_after == 20_000
    assert emulated.state.picc_key.aes and emulated.state.picc_key.version == 1
    assert emulated.state.picc_key.key == card_keys(UID, b"\x00\x00\x00", 0)
