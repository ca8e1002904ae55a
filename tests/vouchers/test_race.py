"""Exactly-once online redemption: the same voucher at two counters at the same moment gives one
`ok` and one `already_redeemed`, on SQLite and on PostgreSQL, with the two counters served by
two separate service processes' worth of state (two ledgers, two group committers) over one
database, as with several API workers."""

from __future__ import annotations

import threading
from collections import Counter

from fastapi.testclient import TestClient

from cardsvc.api.app import create_app
from cardsvc.protocol.client import LedgerClient
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.settings import Settings
from cardsvc.wiring import build_ledger
from tests.vouchers.conftest import DAY, T0, Env

ROUNDS = 12


def test_two_counters_redeem_the_same_voucher_at_once(env_any: Env) -> None:
    env = env_any
    cid = env.campaign(id="RACE", kind="voucher", face_value=20_000, valid_until=T0 + DAY)
    vouchers = [c["instrument"] for c in env.codes(cid, ROUNDS)]
    second = build_ledger(Settings(database_url=env.url), env.clock)  # a second "worker"
    try:
        with TestClient(create_app(Settings(database_url=env.url), clock=env.clock,
                                   ledger=second)) as other_http:
            a = env.till("C1", "S1")
            b = env.till("C2", "S2", http=other_http)
            outcomes = [_race(a, b, inst, n) for n, inst in enumerate(vouchers, 1)]
    finally:
        second.close()
    for pair in outcomes:
        assert sorted(pair) == ["already_redeemed", "ok"], pair
    winners = Counter(pair.index("ok") for pair in outcomes)
    assert sum(winners.values()) == ROUNDS
    for inst in vouchers:
        assert env.get(f"/v1/instruments/{inst}")["balance"] == 0


def _race(a: LedgerClient, b: LedgerClient, instrument: str, n: int) -> list[str]:
    barrier = threading.Barrier(2)
    codes: list[str] = ["", ""]

    def redeem(k: int, client: LedgerClient) -> None:
        msg = TransactionMsg(id=f"{client.terminal_id}-{n}", seq=n, op="redeem",
                             instrument=instrument, amount=20_000, purchase_amount=20_000)
        barrier.wait(timeout=30)
        codes[k] = client.submit([msg]).results[0].code

    threads = [threading.Thread(target=redeem, args=(k, c)) for k, c in enumerate((a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return codes
