"""Throughput of the pure ledger core against the plain-dict floor of FACTS-perf.md.

Both benchmarks run the same kind of batches (BATCH_MAX redemptions and top-ups spread over
1M prepaid instruments) with fresh transaction ids every round, so neither measures `exists`
lookups. Building the state and the batches is outside the timed part.

Run: `python -m pytest benchmarks/test_core.py` (full size) or with CARDSVC_BENCH_SCALE=smoke.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from conftest import median_seconds, per_second, run_rounds, scaled
from pytest_benchmark.fixture import BenchmarkFixture

from cardsvc.core import (
    BATCH_MAX,
    InstrumentKind,
    InstrumentSpec,
    LedgerState,
    Op,
    ResultCode,
    Transaction,
    Unit,
    apply,
)
from cardsvc.core.model import Instrument

INSTRUMENTS = scaled(1_000_000, 10_000)
BATCH = scaled(BATCH_MAX, 512)
ROUNDS = 20
BASELINE_RUNS = scaled(5, 1)
START_BALANCE = 50_000_000
NOW = 1_700_000_000
SPEC = InstrumentSpec(
    kind=InstrumentKind.PREPAID, unit=Unit.VND, program="bench", max_balance=10**12
)


def _instrument_id(n: int) -> str:
    return f"card-{n:07d}"


@dataclass
class BatchFactory:
    """Batches of redemptions (3 in 4) and top-ups with ids never used before."""

    instruments: int
    size: int
    rng: random.Random
    serial: Iterator[int]

    def __call__(self) -> list[Transaction]:
        rng, batch = self.rng, []
        for _ in range(self.size):
            op = Op.REDEEM if rng.random() < 0.75 else Op.TOP_UP
            card = _instrument_id(rng.randrange(self.instruments))
            amount = rng.randrange(1_000, 200_000)
            tx_id = f"tx-{next(self.serial):012d}"
            batch.append(Transaction(tx_id, op, card, amount, store="s1", terminal="t1"))
        return batch


def _new_factory(seed: int) -> BatchFactory:
    return BatchFactory(INSTRUMENTS, BATCH, random.Random(seed), itertools.count())


@pytest.fixture(scope="module")
def ledger() -> LedgerState:
    state = LedgerState()
    instruments = state.instruments
    for n in range(INSTRUMENTS):
        card = _instrument_id(n)
        instruments[card] = Instrument(card, SPEC, START_BALANCE, issued_at=NOW)
    return state


def dict_baseline(
    balances: dict[str, int], seen: set[str], batch: list[Transaction]
) -> list[bool]:
    """The floor: a dict of balances, a balance check and an idempotency set, nothing else."""
    results = []
    for tx in batch:
        if tx.id in seen:
            results.append(False)
            continue
        seen.add(tx.id)
        balance = balances[tx.instrument]
        if tx.op is Op.REDEEM:
            if balance < tx.amount:
                results.append(False)
                continue
            balances[tx.instrument] = balance - tx.amount
        else:
            balances[tx.instrument] = balance + tx.amount
        results.append(True)
    return results


def _time_baseline(make_batch: Callable[[], list[Transaction]], runs: int) -> float:
    """Baseline tx/s measured in this run (median of `runs`), for the ratio."""
    balances = {_instrument_id(n): START_BALANCE for n in range(INSTRUMENTS)}
    seen: set[str] = set()
    rates = []
    for _ in range(runs):
        batch = make_batch()
        start = time.perf_counter()
        dict_baseline(balances, seen, batch)
        rates.append(per_second(len(batch), time.perf_counter() - start))
    rates.sort()
    return rates[len(rates) // 2]


def test_core_apply_batch(benchmark: BenchmarkFixture, ledger: LedgerState) -> None:
    make_batch = _new_factory(1)

    def setup() -> tuple[tuple[LedgerState, list[Transaction], int], dict[str, object]]:
        ledger.clear_changes()
        return (ledger, make_batch(), NOW), {}

    outcome = run_rounds(benchmark, apply, setup, ROUNDS)
    codes = {r.code for r in outcome.results}
    assert codes == {ResultCode.OK}, codes  # fresh ids, enough funds: every one applies
    baseline = _time_baseline(_new_factory(2), BASELINE_RUNS)
    median = median_seconds(benchmark)
    core = per_second(BATCH, median) if median is not None else 0.0
    benchmark.extra_info.update(
        tx_per_s=round(core),
        baseline_tx_per_s=round(baseline),
        ratio_to_baseline=round(core / baseline, 3) if baseline else 0.0,
        instruments=INSTRUMENTS,
        batch=BATCH,
    )


def test_dict_baseline(benchmark: BenchmarkFixture) -> None:
    balances = {_instrument_id(n): START_BALANCE for n in range(INSTRUMENTS)}
    seen: set[str] = set()
    make_batch = _new_factory(3)

    def setup() -> tuple[tuple[dict[str, int], set[str], list[Transaction]], dict[str, object]]:
        return (balances, seen, make_batch()), {}

    results = run_rounds(benchmark, dict_baseline, setup, ROUNDS)
    assert all(results)
    median = median_seconds(benchmark)
    benchmark.extra_info.update(
        tx_per_s=round(per_second(BATCH, median)) if median is not None else 0,
        instruments=INSTRUMENTS,
        batch=BATCH,
    )
