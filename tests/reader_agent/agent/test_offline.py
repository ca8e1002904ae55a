"""Offline: risk limits, hotlist, queued taps synced exactly once when the ledger is back."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardsvc.protocol.messages import CardEvidence, TransactionMsg
from reader_agent.agent.hotlist import Hotlist, Shifts
from reader_agent.agent.localdb import LocalDb
from reader_agent.agent.outbox import Outbox, State
from reader_agent.agent.results import Mode
from reader_agent.agent.risk import Refusal, RiskGate, RiskLimits
from reader_agent.agent.wiring import AgentRuntime

from .conftest import INSTRUMENT, Chain

WAIT = 2.0


@pytest.fixture
def offline(runtime: AgentRuntime, chain: Chain) -> AgentRuntime:
    """An issued purse of 1,000,000 đồng; then the ledger goes away."""
    result = runtime.agent.issue("PREPAID", 1_000_000, WAIT)
    assert result.code == "ok"
    chain.server.stop()
    # Once a failure is seen, the agent waits this long before trying the ledger again: long
    # enough that a loaded machine cannot turn an offline decision into an online attempt.
    runtime.syncer.retry_after_s = 60.0
    return runtime


def test_offline_redeems_queue_and_sync_exactly_once(offline: AgentRuntime, chain: Chain) -> None:
    runtime = offline
    first = runtime.agent.redeem(100_000, WAIT)
    assert (first.code, first.mode, first.card_value) == ("ok", Mode.QUEUED, 900_000)
    second = runtime.agent.redeem(50_000, WAIT)  # now known down: decided offline
    assert (second.code, second.mode, second.card_value) == ("ok", Mode.OFFLINE, 850_000)
    assert runtime.agent.top_up(10_000, WAIT).code == "offline_not_allowed"
    assert runtime.outbox.count(State.READY) == 2
    chain.server.start()
    runtime.syncer.status.last_error_at = None
    runtime.loop.round()
    runtime.loop.round()  # a second round sends nothing again
    assert runtime.outbox.count(State.READY) == 0
    assert chain.balance() == 850_000
    codes = [h["code"] for h in chain.history() if h["op"] == "redeem"]
    assert codes == ["ok", "ok"]
    assert chain.alerts() == []
    assert runtime.agent.tap(WAIT).agree


def test_offline_limits_refuse_without_touching_the_card(offline: AgentRuntime) -> None:
    runtime = offline
    runtime.syncer._failed("ledger stopped")  # the agent already knows the ledger is down
    assert runtime.agent.redeem(250_000, WAIT).code == "offline_tx_limit"  # tx max 200,000
    assert runtime.agent.redeem(200_000, WAIT).code == "ok"
    card_cap = runtime.agent.redeem(150_000, WAIT)  # card max 300,000 unsynced
    assert (card_cap.code, card_cap.card_value) == ("offline_card_limit", None)
    assert runtime.agent.redeem(100_000, WAIT).code == "ok"
    assert runtime.agent.tap(WAIT).card_value == 700_000  # refusals never moved the card
    assert runtime.outbox.offline_spent(unsynced=True) == 300_000


def _offline_redeem(outbox: Outbox, uid: str, amount: int, shift_id: int) -> None:
    def build(tx_id: str, seq: int) -> TransactionMsg:
        card = CardEvidence(uid=uid, counter=1, before=10_000, after=10_000 - amount)
        return TransactionMsg(id=tx_id, seq=seq, op="redeem", instrument="card-" + uid,
                              amount=amount, card=card)  # fmt: skip

    outbox.reserve(build, offline=True, shift_id=shift_id)


def test_shift_and_terminal_caps(tmp_path: Path) -> None:
    now = [1_000]
    db = LocalDb(tmp_path / "r.db")
    outbox, hotlist, shifts = Outbox(db, 100, lambda: now[0]), Hotlist(db, lambda: now[0]), Shifts(
        db, lambda: now[0]
    )
    hotlist.replace([])
    limits = RiskLimits(tx_max=100, card_max=120, terminal_max=250, shift_max=150,
                        hotlist_max_age_s=60)  # fmt: skip
    gate = RiskGate(limits, outbox, hotlist, shifts, lambda: now[0])
    a, b, c = "04AAAAAAAAAAAA", "04BBBBBBBBBBBB", "04CCCCCCCCCCCC"
    shift = shifts.open("Lan")
    assert gate.offline_spend(a, "card-" + a, 101) is Refusal.OFFLINE_TX_LIMIT
    _offline_redeem(outbox, a, 100, shift.id)
    assert gate.offline_spend(a, "card-" + a, 30) is Refusal.OFFLINE_CARD_LIMIT
    assert gate.offline_spend(b, "card-" + b, 60) is Refusal.OFFLINE_SHIFT_LIMIT
    _offline_redeem(outbox, b, 50, shift.id)
    shift = shifts.open("Minh")  # a new shift: its own cap; the terminal's still counts all
    _offline_redeem(outbox, c, 90, shift.id)
    assert gate.offline_spend(c, "card-" + c, 20) is Refusal.OFFLINE_TERMINAL_LIMIT
    assert gate.offline_spend(c, "card-" + c, 10) is None
    now[0] += 61
    assert gate.offline_spend(c, "card-" + c, 10) is Refusal.HOTLIST_STALE


def test_stale_or_missing_hotlist_stops_offline_spending(offline: AgentRuntime) -> None:
    runtime = offline
    runtime.syncer._failed("ledger stopped")
    with runtime.db.write() as conn:
        conn.execute("DELETE FROM meta WHERE key = 'hotlist_at'")
    assert runtime.agent.redeem(1_000, WAIT).code == "hotlist_stale"


def test_hotlisted_card_is_refused_offline_and_online(offline: AgentRuntime) -> None:
    runtime = offline
    runtime.hotlist.add(INSTRUMENT)
    assert runtime.agent.redeem(1_000, WAIT).code == "instrument_blocked"
    runtime.syncer._failed("ledger stopped")
    assert runtime.agent.redeem(1_000, WAIT).code == "instrument_blocked"
