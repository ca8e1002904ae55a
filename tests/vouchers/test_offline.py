"""Offline uses synced late, as the ledger sees them (the gates' own offline decisions are the
agent's: tests/reader_agent/agent/test_gate.py): double use across offline devices is counted
once and flagged for finance; entries judged at each tap's device time."""

from __future__ import annotations

from cardsvc.protocol.client import LedgerClient
from cardsvc.protocol.messages import ResultMsg, TransactionMsg
from tests.vouchers.conftest import DAY, T0, Env


def _offline(client: LedgerClient, instrument: str, seq: int, at: int, **fields: int) -> ResultMsg:
    """What an offline device sends at sync: a redemption stamped with its own time."""
    msg = TransactionMsg(id=f"{client.terminal_id}-{seq}", seq=seq, op="redeem",
                         instrument=instrument, occurred_at=at, **fields)  # type: ignore[arg-type]
    return client.submit([msg]).results[0]


def test_double_use_on_two_offline_devices_is_counted_once_and_flagged(env: Env) -> None:
    cid = env.campaign(id="OFF50", kind="voucher", face_value=50_000, min_spend=100_000,
                       valid_until=T0 + DAY)
    code = env.codes(cid, 1)[0]
    k1, k2 = env.till("K1", "S1"), env.till("K2", "S2")
    env.clock.advance(3600)
    first = _offline(k1, code["instrument"], 1, T0, amount=50_000, purchase_amount=150_000)
    second = _offline(k2, code["instrument"], 1, T0 + 30, amount=50_000,
                      purchase_amount=120_000)
    assert (first.code, second.code) == ("ok", "already_redeemed")
    assert env.get(f"/v1/instruments/{code['instrument']}")["balance"] == 0
    report = env.get("/v1/reports/offline-conflicts")
    assert report["count"] == 1
    flagged = report["conflicts"][0]
    assert (flagged["terminal_id"], flagged["code"]) == ("K2", "already_redeemed")
    assert flagged["occurred_at"] == T0 + 30
    assert flagged["accepted"]["terminal_id"] == "K1"
    assert flagged["accepted"]["occurred_at"] == T0


def test_two_offline_entries_far_apart_sync_as_two_entries(env: Env) -> None:
    """Two entries 15 minutes apart on one offline gate, synced together, are both valid:
    the ledger judges passback at each tap's device time (occurred_at), not at sync time."""
    cid = env.campaign(id="FEST2", kind="eticket", uses=2, passback_s=900,
                       valid_until=T0 + DAY)
    ticket = env.codes(cid, 1)[0]["instrument"]
    gate = env.till("G9", "VENUE")
    env.clock.advance(2000)
    assert _offline(gate, ticket, 1, T0).code == "ok"
    assert _offline(gate, ticket, 2, T0 + 901).code == "ok"
    assert _offline(gate, ticket, 3, T0 + 1000).code == "already_redeemed"
