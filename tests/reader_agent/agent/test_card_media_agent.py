"""The agent's side of card media over the in-process virtual reader and the real ledger:
value changed at the ledger is written to the purse at its next tap at another terminal,
exactly once; a replaced card is refused as such; a card is replaced at the counter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from keys.file_keystore import FileKeystore
from reader_agent.agent.media import MediaRefused, Replacement
from reader_agent.agent.outbox import State
from reader_agent.agent.settings import AgentSettings
from reader_agent.agent.wiring import AgentRuntime
from reader_agent.drivers.virtual import VirtualReader
from reader_agent.emulate.card import TearPoint
from reader_agent.emulate.desfire_card import EmulatedDesfire

from .conftest import INSTRUMENT, UID, Chain, another_terminal, blank_card

WAIT = 2.0
NEW_UID = bytes.fromhex("04B7C8D9E0F182")


@pytest.fixture
def second(chain: Chain, keystore: FileKeystore, agent_settings: AgentSettings,
           virtual_reader: VirtualReader) -> Iterator[AgentRuntime]:  # fmt: skip
    rt = another_terminal(chain, keystore, agent_settings, virtual_reader, "S1-POS2")
    yield rt
    rt.stop()


def adjust(chain: Chain, amount: int, update_id: str, credit: bool = True) -> None:
    got = chain.post("/v1/card-updates", {"id": update_id, "instrument": INSTRUMENT,
                                          "kind": "adjustment", "amount": amount,
                                          "credit": credit})  # fmt: skip
    assert got["update"] == f"cu-{update_id}", got


def card_of(reader: VirtualReader) -> EmulatedDesfire:
    card = reader._card
    assert isinstance(card, EmulatedDesfire)
    return card


def test_an_adjustment_reaches_the_card_at_another_terminal_once(
    runtime: AgentRuntime, second: AgentRuntime, chain: Chain
) -> None:
    assert runtime.agent.issue("PREPAID", 200_000, WAIT).code == "ok"
    adjust(chain, 50_000, "adj-1")
    adjust(chain, 20_000, "adj-2", credit=False)
    second.syncer.refresh_hotlist()  # the cards with changes waiting come with the hotlist
    view = second.agent.tap(WAIT)
    assert [(u["amount"], u["code"]) for u in view.updates] == [(50_000, "ok"), (20_000, "ok")]
    assert (view.card_value, view.agree) == (230_000, True)
    runtime.syncer.refresh_hotlist()
    again = runtime.agent.tap(WAIT)
    assert (again.updates, again.card_value) == ([], 230_000)
    sale = runtime.agent.redeem(30_000, WAIT)
    assert (sale.code, sale.card_value, sale.ledger_balance) == ("ok", 200_000, 200_000)
    assert chain.alerts() == []
    states = [u["state"] for u in chain.get(f"/v1/instruments/{INSTRUMENT}/card-updates")[
        "updates"]]
    assert states == ["written", "written"]


def test_a_torn_write_is_written_once_by_the_next_terminal(
    runtime: AgentRuntime, second: AgentRuntime, chain: Chain, virtual_reader: VirtualReader
) -> None:
    assert runtime.agent.issue("PREPAID", 100_000, WAIT).code == "ok"
    adjust(chain, 40_000, "adj-t")
    second.syncer.refresh_hotlist()
    runtime.syncer.refresh_hotlist()
    card_of(virtual_reader).tear.arm(TearPoint(0xC7, 1, False))  # the commit never happens
    card = card_of(virtual_reader)
    torn = second.agent.tap(WAIT)
    assert [u["code"] for u in torn.updates] == ["card_removed"]
    virtual_reader.insert(card)
    view = runtime.agent.tap(WAIT)  # the card went to the other till: it writes the change
    assert [(u["amount"], u["code"]) for u in view.updates] == [(40_000, "ok")]
    assert (view.card_value, view.agree) == (140_000, True)
    # Back at the first till: the card looks as its own write would have left it; the ledger
    # knows the other till wrote it at that counter, and says so (no replay, no block).
    back = second.agent.tap(WAIT)
    assert [(r["op"], r["state"]) for r in back.recovered] == [("card_update", "ready")]
    assert (back.card_value, back.updates) == (140_000, [])
    assert second.outbox.get(back.recovered[0]["tx_id"]).code == "card_update_applied"
    assert chain.balance() == 140_000 and chain.alerts() == []
    assert runtime.agent.redeem(10_000, WAIT).code == "ok"  # not blocked


def test_a_committed_torn_write_waits_for_its_own_report(
    runtime: AgentRuntime, second: AgentRuntime, chain: Chain, virtual_reader: VirtualReader
) -> None:
    assert runtime.agent.issue("PREPAID", 100_000, WAIT).code == "ok"
    adjust(chain, 40_000, "adj-c")
    second.syncer.refresh_hotlist()
    runtime.syncer.refresh_hotlist()
    card = card_of(virtual_reader)
    card.tear.arm(TearPoint(0xC7, 1, True))  # committed, answer lost
    assert [u["code"] for u in second.agent.tap(WAIT).updates] == ["card_removed"]
    virtual_reader.insert(card)
    view = runtime.agent.tap(WAIT)  # the card is ahead of the ledger: nothing written twice
    assert (view.updates, view.card_value) == ([], 140_000)
    back = second.agent.tap(WAIT)  # its own till settles the tear and reports the write
    assert [(r["op"], r["state"]) for r in back.recovered] == [("card_update", "ready")]
    assert chain.balance() == 140_000 and chain.alerts() == []
    assert runtime.agent.tap(WAIT).card_value == 140_000


def test_a_card_replaced_at_the_counter(
    runtime: AgentRuntime, second: AgentRuntime, chain: Chain, virtual_reader: VirtualReader
) -> None:
    assert runtime.agent.issue("PREPAID", 100_000, WAIT).code == "ok"
    virtual_reader.insert(blank_card(NEW_UID))
    old_uid = UID.hex().upper()
    assert runtime.media.card(old_uid)["state"] == "active"
    receipt = runtime.media.replace(Replacement("rp-1", old_uid, "lost", "an"), WAIT)
    assert (receipt["state"], receipt["held_amount"], receipt["new_uid"]) == (
        "holding", 100_000, NEW_UID.hex().upper())
    again = runtime.media.replace(Replacement("rp-1", old_uid, "lost", "an"), WAIT)
    assert again["id"] == "rp-1"  # a retry: the same receipt
    with pytest.raises(MediaRefused) as refused:
        runtime.media.replace(Replacement("rp-2", old_uid, "lost", "an"), WAIT)
    assert refused.value.code == "card_medium_blocked"
    view = runtime.agent.tap(WAIT)  # the new card: an empty purse of the same instrument
    assert (view.kind, view.card_value, view.ledger and view.ledger["id"]) == (
        "purse", 0, INSTRUMENT)
    virtual_reader.insert(card_of_old := blank_card(UID))  # a stand-in with the old UID
    assert card_of_old is not None
    second.syncer.refresh_hotlist()  # the hotlist now names the old card
    refused_tap = second.agent.redeem(1_000, WAIT)
    assert refused_tap.code == "card_medium_blocked"


def test_a_torn_sale_whose_card_never_returns_is_settled_by_the_next_till(
    runtime: AgentRuntime, second: AgentRuntime, chain: Chain, virtual_reader: VirtualReader
) -> None:
    assert runtime.agent.issue("PREPAID", 100_000, WAIT).code == "ok"
    card = card_of(virtual_reader)
    card.tear.arm(TearPoint(0xC7, 1, True))  # the debit committed, the answer was lost
    assert runtime.agent.redeem(30_000, WAIT).code == "card_removed"
    assert runtime.loop.torn is not None
    runtime.loop.torn.after_s = 0
    runtime.loop.torn.round()  # the till tells the ledger; the card never comes back here
    virtual_reader.insert(card)
    sale = second.agent.redeem(10_000, WAIT)  # the customer goes to another till
    assert (sale.code, sale.card_value, sale.ledger_balance) == ("ok", 60_000, 60_000)
    assert chain.alerts() == []  # the torn debit filled the counter: no gap
    assert runtime.loop.torn.round() == 1  # the first till learns it happened ...
    runtime.syncer.flush()  # ... and its resend is answered `exists`
    assert runtime.outbox.count(State.CARD) == 0 and chain.balance() == 60_000
