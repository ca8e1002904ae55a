"""Purchases with earning through the durable ingest path, against plain redemptions through
the same path in the same run.

Both kinds are signed batches of BATCH transactions, verified, parsed, committed by the
GroupCommitter (evidence, sequence checks, load, core apply, persist, commit), one batch per
commit, on one database holding both the prepaid cards and the member cards. The rounds
alternate: before each timed purchase batch a redemption batch runs and is timed by hand, so
both see the same machine load. Members carry a year of weekly history (52 lots, 52 days of
qualifying spend), 1 in 5 purchases spends points, all pay by cash and bank card.

Target (issue 10): a purchase with earning costs at most 1.25 x a plain redemption.
Run: `python -m pytest benchmarks/test_loyalty_ingest.py` (full size), or with
CARDSVC_BENCH_SCALE=smoke and --benchmark-disable.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import median_seconds, per_second, run_rounds, scaled
from loyalty_world import Purchases, seed_members
from pytest_benchmark.fixture import BenchmarkFixture
from test_ingest import BATCH, INSTRUMENTS, TERMINAL, URL, Ingest, clock, fresh_pg_database

from cardsvc.core import Policy
from cardsvc.protocol.signing import sign_request
from cardsvc.services.committer import GroupCommitter
from cardsvc.services.ingest import SubmissionResult
from cardsvc.services.terminals import KeyDirectory
from cardsvc.storage.db import make_engine
from cardsvc.storage.unit_of_work import Database

MEMBERS = scaled(100_000, 1_000)
ROUNDS = 20
TARGET_RATIO = 1.25


class Pair:
    def __init__(self, ingest: Ingest, purchases: Purchases) -> None:
        self.ingest, self.purchases = ingest, purchases
        self.redeem_s: list[float] = []

    def signed(self, body: bytes) -> tuple[dict[str, str], bytes]:
        headers = sign_request("POST", URL, body, self.ingest.world.signer, TERMINAL,
                               created=clock())  # fmt: skip
        return headers, body

    def redemptions(self) -> None:
        """A batch of redemptions through the same path, timed here."""
        headers, body = self.signed(self.ingest.world.body(BATCH, redeem_share=1.0))
        start = time.perf_counter()
        outcome = self.ingest(headers, body)
        self.redeem_s.append(time.perf_counter() - start)
        assert {r.code for r in outcome.results} == {"ok"}

    def median_redeem(self) -> float:
        s = sorted(self.redeem_s)
        return s[len(s) // 2]


def _open(url: str) -> Iterator[Pair]:
    from ledger_world import seed

    engine = make_engine(url)
    world = seed(engine, INSTRUMENTS, clock())
    seed_members(engine, MEMBERS, clock())
    db = Database(engine)
    committer = GroupCommitter(db, Policy(), clock=clock, max_tx=BATCH)
    committer.start()
    try:
        yield Pair(Ingest(engine, world, KeyDirectory(db), committer),
                   Purchases(world, MEMBERS))  # fmt: skip
    finally:
        committer.stop()
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Pair]:  # fmt: skip
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("loyalty") / "ledger.db"
        yield from _open(f"sqlite:///{path}")
        return
    server = os.environ.get("CARDSVC_TEST_PG_URL", "")
    if not server:
        pytest.skip("CARDSVC_TEST_PG_URL is not set (scripts/test.sh starts PostgreSQL)")
    for url in fresh_pg_database(server):
        yield from _open(url)


def test_purchases_with_earning_against_redemptions(benchmark: BenchmarkFixture, pair: Pair
                                                    ) -> None:  # fmt: skip
    def setup() -> tuple[tuple[dict[str, str], bytes], dict[str, Any]]:
        pair.redemptions()
        return pair.signed(pair.purchases.body(BATCH)), {}

    outcome: SubmissionResult = run_rounds(benchmark, pair.ingest, setup, ROUNDS)
    codes = {r.code for r in outcome.results}
    assert codes <= {"ok", "insufficient_funds"} and "ok" in codes
    earned = [r.loyalty.earned for r in outcome.results if r.loyalty is not None]
    assert len(earned) >= BATCH * 3 // 4 and sum(earned) > 0
    median = median_seconds(benchmark)
    redeem = pair.median_redeem()
    ratio = median / redeem if median and redeem else 0.0
    benchmark.extra_info.update(
        backend=pair.ingest.engine.dialect.name, batch=BATCH, members=MEMBERS,
        purchase_tx_per_s=round(per_second(BATCH, median)) if median else None,
        redemption_tx_per_s=round(per_second(BATCH, redeem)),
        cost_ratio=round(ratio, 3), target_ratio=TARGET_RATIO,
        target_met=ratio <= TARGET_RATIO if median else None,
    )  # fmt: skip
