"""The agent's card flows over the in-process virtual reader and the real ledger (uvicorn)."""

from __future__ import annotations

import time

import pytest

from reader_agent.agent.outbox import State
from reader_agent.agent.results import Mode
from reader_agent.agent.sync import LedgerUnavailable
from reader_agent.agent.wiring import AgentRuntime
from reader_agent.drivers.virtual import VirtualReader
from reader_agent.emulate.card import TearPoint
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import DesfireCardState

from .conftest import INSTRUMENT, Chain

WAIT = 2.0


def card_of(reader: VirtualReader) -> EmulatedDesfire:
    card = reader._card
    assert isinstance(card, EmulatedDesfire)
    return card


def issue(runtime: AgentRuntime, amount: int = 300_000) -> None:
    result = runtime.agent.issue("PREPAID", amount, WAIT)
    assert (result.code, result.mode, result.card_value) == ("ok", Mode.ONLINE, amount), result


def test_issue_top_up_redeem_balance_online(runtime: AgentRuntime, chain: Chain) -> None:
    issue(runtime)
    top = runtime.agent.top_up(50_000, WAIT)
    assert (top.code, top.card_value, top.ledger_balance) == ("ok", 350_000, 350_000)
    sale = runtime.agent.redeem(120_000, WAIT, request_id="sale-1")
    assert (sale.code, sale.mode, sale.card_value, sale.ledger_balance) == (
        "ok", Mode.ONLINE, 230_000, 230_000,
    )  # fmt: skip
    view = runtime.agent.tap(WAIT)
    assert (view.kind, view.instrument, view.card_value, view.card_counter) == (
        "purse", INSTRUMENT, 230_000, 3,
    )  # fmt: skip
    assert view.ledger is not None and view.ledger["balance"] == 230_000 and view.agree
    # the same sale retried: its first result, never a second debit
    again = runtime.agent.redeem(120_000, WAIT, request_id="sale-1")
    assert (again.tx_id, again.code) == (sale.tx_id, "ok")
    assert chain.balance() == 230_000 and runtime.agent.tap(WAIT).card_value == 230_000
    assert chain.alerts() == []


def issued_id(runtime: AgentRuntime) -> str:
    """The card sale's transaction id (the first entry of this till's outbox)."""
    [first] = runtime.outbox._select("op = 'issue'", (), 1)
    return first.id


def test_refund_credits_card_and_ledger(runtime: AgentRuntime, chain: Chain) -> None:
    issue(runtime)
    sale = runtime.agent.redeem(100_000, WAIT)
    assert sale.tx_id is not None
    back = runtime.agent.refund(sale.tx_id, 40_000, WAIT)
    assert (back.code, back.card_value, back.ledger_balance) == ("ok", 240_000, 240_000)
    counter_before = runtime.agent.tap(WAIT).card_counter
    # checked with the ledger before the card is touched: never credited, then set back
    too_much = runtime.agent.refund(sale.tx_id, 70_000, WAIT)
    assert (too_much.code, too_much.compensated) == ("refund_exceeds_redemption", False)
    wrong_id = runtime.agent.refund("no-such-sale", 1_000, WAIT)
    assert (wrong_id.code, wrong_id.compensated) == ("reference_not_found", False)
    not_a_sale = runtime.agent.refund(issued_id(runtime), 1_000, WAIT)
    assert not_a_sale.code == "reference_mismatch"
    view = runtime.agent.tap(WAIT)
    assert (view.card_value, view.card_counter) == (240_000, counter_before)  # untouched
    assert chain.balance() == 240_000
    assert chain.alerts() == []


def test_ledger_refusal_after_the_card_is_compensated(
    runtime: AgentRuntime, chain: Chain
) -> None:
    issue(runtime)
    chain.post(f"/v1/instruments/{INSTRUMENT}/block")  # blocked since the agent's hotlist
    refused = runtime.agent.redeem(10_000, WAIT)
    assert (refused.code, refused.compensated, refused.card_value) == (
        "instrument_blocked", True, 300_000,
    )  # fmt: skip
    view = runtime.agent.tap(WAIT)
    assert (view.card_value, view.card_counter) == (300_000, 3)
    assert chain.balance() == 300_000
    # the mirror followed both counter steps: no gap, replay or divergence alert
    assert chain.alerts() == []


def test_unpersonalised_card_and_amount_validation(runtime: AgentRuntime) -> None:
    result = runtime.agent.redeem(1_000, WAIT)
    assert result.code == "not_personalised"
    assert runtime.agent.tap(WAIT).kind == "blank"
    with pytest.raises(ValueError):
        runtime.agent.redeem(0, WAIT)


DEBIT_TEARS = [
    TearPoint(0xDC, 1, False), TearPoint(0xDC, 1, True), TearPoint(0xDC, 2, False),
    TearPoint(0xDC, 2, True), TearPoint(0xC7, 1, False), TearPoint(0xC7, 1, True),
]  # fmt: skip


@pytest.mark.parametrize("tear", DEBIT_TEARS, ids=lambda t: f"{t.ins:02X}-{t.occurrence}-{t.after}")
def test_tear_at_every_step_of_a_redeem(
    runtime: AgentRuntime, chain: Chain, virtual_reader: VirtualReader, tear: TearPoint
) -> None:
    issue(runtime)
    card = card_of(virtual_reader)
    card.tear.arm(tear)
    torn = runtime.agent.redeem(25_000, WAIT, request_id="sale-t")
    assert torn.code == "card_removed"
    assert runtime.outbox.count(State.CARD) == 1
    virtual_reader.insert(card)  # the customer taps again; the cashier retries the sale
    retry = runtime.agent.redeem(25_000, WAIT, request_id="sale-t")
    assert retry.code == "ok", retry
    committed = tear.ins == 0xC7 and tear.after
    assert (retry.tx_id == torn.tx_id) is committed  # the torn one counted, or a new one did
    runtime.syncer.flush()
    view = runtime.agent.tap(WAIT)
    assert (view.card_value, chain.balance()) == (275_000, 275_000)
    assert view.card_counter == 2
    redeems = [h for h in chain.history() if h["op"] == "redeem"]
    assert [h["code"] for h in redeems] == ["ok"]
    assert chain.alerts() == []


def test_replayed_card_state_is_refused_and_hotlisted(
    runtime: AgentRuntime, chain: Chain, virtual_reader: VirtualReader
) -> None:
    issue(runtime)
    card = card_of(virtual_reader)
    saved = DesfireCardState.from_json(card.state.to_json())  # the fraudster's copy
    assert runtime.agent.redeem(200_000, WAIT).code == "ok"
    virtual_reader.insert(EmulatedDesfire(saved))  # the restored card: 300,000 again
    replay = runtime.agent.redeem(200_000, WAIT)
    assert replay.code == "card_replay"
    assert runtime.hotlist.blocked(INSTRUMENT)
    assert chain.get(f"/v1/instruments/{INSTRUMENT}")["status"] == "blocked"
    assert any(a["kind"] == "replay" for a in chain.alerts())
    refused = runtime.agent.redeem(1_000, WAIT)
    assert refused.code == "instrument_blocked" and refused.mode == Mode.LOCAL


def test_a_top_up_that_loses_the_ledger_is_set_back_not_queued(
    runtime: AgentRuntime, chain: Chain
) -> None:
    issue(runtime)
    chain.server.stop()  # gone between the decision (online) and the send
    topped = runtime.agent.top_up(50_000, WAIT)
    assert (topped.code, topped.compensated, topped.card_value) == (
        "ledger_unavailable", True, 300_000)  # fmt: skip
    assert runtime.agent.tap(WAIT).card_value == 300_000  # the customer's cash is not taken
    chain.server.start()
    deadline = time.monotonic() + 30  # a bound on waiting for the restarted ledger
    while runtime.outbox.count(State.READY):
        assert time.monotonic() < deadline, "the queue was not delivered"
        try:
            runtime.syncer.flush()  # the top-up and its void, in order
        except LedgerUnavailable:
            time.sleep(0.2)
    assert chain.balance() == 300_000 and chain.alerts() == []  # nothing moved in the ledger
    assert runtime.outbox.count(State.READY) == 0


def test_a_gift_card_top_up_is_refused_before_the_card_is_written(
    runtime: AgentRuntime, chain: Chain
) -> None:
    """A program that takes no top-ups (a gift card) is refused by its ledger view before the
    purse moves: no credit then set back, no journal row, the card's counter unchanged."""
    chain.post("/v1/programs", {"id": "GIFT", "name": "Thẻ quà tặng", "kind": "gift",
                                "unit": "VND", "max_balance": 5_000_000})  # fmt: skip
    sold = runtime.agent.issue("GIFT", 200_000, WAIT)
    assert (sold.code, sold.card_value) == ("ok", 200_000), sold
    before = runtime.agent.tap(WAIT)
    refused = runtime.agent.top_up(50_000, WAIT)
    assert (refused.code, refused.compensated) == ("not_reloadable", False), refused
    after = runtime.agent.tap(WAIT)
    assert (after.card_value, after.card_counter) == (before.card_value, before.card_counter)
    assert chain.balance() == 200_000
    assert [h["op"] for h in chain.history()] == ["issue"]
