"""Shared benchmark helpers.

`CARDSVC_BENCH_SCALE=smoke` shrinks every size so the whole benchmarks/ directory runs in
seconds (scripts/test.sh runs it that way with `--benchmark-disable`, to prove the benchmarks
still work); the default `full` measures at the sizes the project's figures are quoted at.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import pytest
from pydantic_settings import BaseSettings, SettingsConfigDict
from pytest_benchmark.fixture import BenchmarkFixture

T = TypeVar("T")
Setup = Callable[[], tuple[tuple[Any, ...], dict[str, Any]]]


class BenchSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARDSVC_BENCH_")

    scale: Literal["full", "smoke"] = "full"
    # Where the growth benchmark keeps the large ledgers it generates (the repository's ignored
    # var/ folder by default; a 10M-instrument SQLite ledger is ~2 GB): generated once, reused
    # by later runs, in a subfolder per schema revision (a migration starts a fresh cache).
    cache_dir: Path = Path(__file__).resolve().parent.parent / "var" / "bench-cache"
    # The ledger sizes the growth benchmark compares with its 10k-instrument baseline.
    growth_sizes: list[int] = [1_000_000, 10_000_000]


SETTINGS = BenchSettings()


def scaled(full: int, smoke: int) -> int:
    """A size: `full` normally, `smoke` under CARDSVC_BENCH_SCALE=smoke."""
    return smoke if SETTINGS.scale == "smoke" else full


def is_smoke() -> bool:
    return SETTINGS.scale == "smoke"


def rounds(full: int) -> int:
    """Timed rounds: one in smoke mode (the run only proves the benchmark works)."""
    return scaled(full, 1)


def per_second(count: int, seconds: float) -> float:
    """A throughput; 0.0 for an unmeasurable (zero) duration rather than a division error."""
    return count / seconds if seconds > 0 else 0.0


def median_seconds(benchmark: object) -> float | None:
    """The benchmark's median round time, or None when timing is disabled."""
    stats = getattr(benchmark, "stats", None)
    if stats is None:
        return None
    inner = getattr(stats, "stats", stats)
    median = getattr(inner, "median", None)
    return float(median) if median is not None else None


def round_ms(benchmark: object, q: float) -> float | None:
    """The q-th percentile (nearest rank) of the benchmark's round times, in ms; None when
    timing is disabled."""
    stats = getattr(benchmark, "stats", None)
    data = sorted(getattr(getattr(stats, "stats", stats), "data", None) or [])
    if not data:
        return None
    return round(1000 * data[min(len(data) - 1, max(0, round(q / 100 * len(data)) - 1))], 2)


def run_rounds(
    benchmark: BenchmarkFixture, target: Callable[..., T], setup: Setup, full_rounds: int
) -> T:
    """Time `target` over fresh arguments from `setup` each round (setup is not timed)."""
    warmup = 0 if is_smoke() else 1
    result = benchmark.pedantic(  # type: ignore[no-untyped-call]
        target, setup=setup, rounds=rounds(full_rounds), warmup_rounds=warmup
    )
    return cast(T, result)


@pytest.fixture(scope="session")
def bench_scale() -> str:
    return SETTINGS.scale
