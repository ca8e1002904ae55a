"""A correction decided in the back office's reconciliation is written to the purse card at its
next tap by the agent (the in-process emulated card): the card, the card mirror and the ledger
agree again, and the queued update is done."""

from __future__ import annotations

from cardsvc.services import reconciliation
from cardsvc.services.ingest import Actor
from reader_agent.agent.wiring import AgentRuntime
from reader_agent.drivers.virtual import VirtualReader

from .conftest import INSTRUMENT, Chain
from .test_flows import WAIT, card_of, issue


def test_a_correction_is_written_at_the_cards_next_tap(
    runtime: AgentRuntime, chain: Chain, virtual_reader: VirtualReader
) -> None:
    issue(runtime, 300_000)
    files = [f for app in card_of(virtual_reader).state.applications.values()
             for f in app.files.values() if f.value == 300_000]  # fmt: skip
    assert len(files) == 1
    files[0].value = 260_000  # 40.000 ₫ gone from the card without the ledger knowing
    assert runtime.agent.redeem(10_000, WAIT).code == "ok"
    assert [a["kind"] for a in chain.alerts()] == ["divergence"]
    ledger = chain.server.ledger
    assert ledger is not None
    with ledger.db.read() as uow:
        found = reconciliation.standing(uow, INSTRUMENT)
    assert found is not None and (found.card, found.ledger) == (250_000, 290_000)
    decision = reconciliation.Decision("root", Actor("backoffice", "hq", "root"), "",
                                       "alert:1")  # fmt: skip
    queued = reconciliation.correct_on_next_tap(ledger.db, decision, INSTRUMENT, ledger.clock())
    assert queued["amount"] == 40_000
    runtime.syncer.refresh_hotlist()
    view = runtime.agent.tap(WAIT)
    assert [(u["amount"], u["code"]) for u in view.updates] == [(40_000, "ok")]
    assert (view.card_value, view.agree) == (290_000, True)
    updates = chain.get(f"/v1/instruments/{INSTRUMENT}/card-updates")["updates"]
    assert [(u["id"], u["state"]) for u in updates] == [(queued["update"], "written")]
    with ledger.db.read() as uow:
        assert uow.finance.shadows(None, 10) == []
        after = reconciliation.standing(uow, INSTRUMENT)
    assert after is not None and after.difference == 0
    assert chain.balance() == 290_000 and len(chain.alerts()) == 1  # no new alert
