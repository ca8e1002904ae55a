"""Per-transaction ingest cost as the ledger grows: 10k -> 1M -> 10M instruments, both engines.

What is timed is test_ingest's path (verify, parse, group commit of a signed batch of 1000,
durable), against a ledger of N instruments. The baseline is the same path against a ledger of
10,000 instruments, one untimed batch of it before every timed round (same machine load).
Target (issue 13): cost per transaction at N <= 1.5 x the cost at 10k, i.e. tx/s at N >= 0.67 x.

The large ledgers are generated outside the clock by bulk SQL through the raw drivers (one
INSERT ... SELECT over a recursive CTE in sqlite3 with syncing off while it fills; the same over
generate_series in psycopg, saved once as a binary COPY and loaded with COPY afterwards) and
cached between runs in CARDSVC_BENCH_CACHE_DIR (default: the repository's ignored var/
bench-cache), in a subfolder named by the schema's newest migration, so a migration makes a
fresh cache instead of loading rows of an older shape. Cached: the SQLite ledger file itself
(each run adds its few thousand transactions and continues the terminal's sequence), the
PostgreSQL COPY of the instruments, and the terminal's key. Before generating, the free disk
space is checked against an estimate of what the ledger needs; a short disk is refused with the
figures. Sizes: CARDSVC_BENCH_GROWTH_SIZES (default [1000000, 10000000]); smoke mode compares
5,000 with 1,000 (seconds).

Run: `python -m pytest benchmarks/test_growth.py` (the first run generates: minutes at 10M).
"""

from __future__ import annotations

import fcntl
import itertools
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.script import ScriptDirectory
from conftest import SETTINGS, is_smoke, median_seconds, per_second, round_ms, run_rounds
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from ledger_world import PROGRAM, SPEC, START_BALANCE, STORE, TERMINAL, World, seed
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import Engine, text
from test_ingest import BATCH, Ingest, clock

from cardsvc.core import Policy
from cardsvc.protocol.signing import InMemorySigner
from cardsvc.services.committer import GroupCommitter
from cardsvc.services.terminals import KeyDirectory
from cardsvc.storage.db import make_engine
from cardsvc.storage.migrate import MIGRATIONS
from cardsvc.storage.provision import temporary_database
from cardsvc.storage.unit_of_work import Database

BASE = 1_000 if is_smoke() else 10_000
SIZES = [5_000] if is_smoke() else SETTINGS.growth_sizes
ROUNDS = 10
TARGET_GROWTH = 1.5
# Disk a generated ledger takes per instrument, measured (rows, the id and program indexes),
# with room for the SQLite WAL copy while it fills and PostgreSQL's COPY file beside its table.
BYTES_PER_INSTRUMENT = {"sqlite": 2 * 160, "postgresql": 3 * 200}
DISK_MARGIN = 1 << 30


def schema_revision() -> str:
    """The newest migration: cached ledgers hold rows of this schema's shape."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head, "the migrations have a head"
    return head


CACHE = SETTINGS.cache_dir / schema_revision()


def ensure_disk(engine: str, count: int, where: Path) -> None:
    """Refuse, with the figures, to generate a ledger the disk has no room for."""
    need = count * BYTES_PER_INSTRUMENT[engine] + DISK_MARGIN
    free = shutil.disk_usage(where).free
    if free < need:
        pytest.fail(
            f"not enough free disk to generate a {count:,}-instrument {engine} ledger in {where}:"
            f" needs ~{need / 1e9:.1f} GB, {free / 1e9:.1f} GB free"
            " (free space, or set CARDSVC_BENCH_CACHE_DIR / CARDSVC_BENCH_GROWTH_SIZES)",
            pytrace=False,
        )


_SQLITE_FILL = (
    "WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < :count - 1)"
    " INSERT INTO instruments (id, program_id, kind, unit, balance, status, issued_at, holds,"
    " store_id) SELECT printf('card-%07d', x), :program, :kind, :unit, :balance, 'active',"
    " :now, '[]', :store FROM n"
)
_PG_FILL = (
    "INSERT INTO instruments (id, program_id, kind, unit, balance, status, issued_at, holds,"
    " store_id) SELECT 'card-' || lpad(x::text, 7, '0'), :program, :kind, :unit, :balance,"
    " 'active', :now, '[]', :store FROM generate_series(0, :count - 1) AS x"
)


def _fill_params(count: int) -> dict[str, Any]:
    assert count <= 10_000_000, "ids are card-%07d, as ledger_world.instrument_id"
    return {"count": count, "program": PROGRAM, "kind": str(SPEC.kind), "unit": str(SPEC.unit),
            "balance": START_BALANCE, "now": clock(), "store": STORE}  # fmt: skip


@contextmanager
def cache_lock() -> Iterator[None]:
    """One run at a time uses the cache (two checkouts' runs would share a SQLite ledger and
    its terminal's sequence numbers)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "growth.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def cached_signer() -> InMemorySigner:
    """The benchmark terminal's key, kept with the cached ledgers that enrolled it."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "growth-terminal.key"
    if not path.exists():
        raw = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        path.write_bytes(raw)
    return InMemorySigner(Ed25519PrivateKey.from_private_bytes(path.read_bytes()))


def sqlite_ledger(count: int) -> tuple[str, World]:
    """A cached SQLite ledger of `count` instruments (made on first use)."""
    path = CACHE / f"growth-{count}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        ensure_disk("sqlite", count, CACHE)
        part = path.with_suffix(".part")
        part.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{part}")
        seed(engine, 0, clock(), cached_signer())
        engine.dispose()
        _fill_sqlite(part, count)
        part.rename(path)
    engine = make_engine(url)
    with engine.connect() as conn:
        last = conn.execute(
            text("SELECT coalesce(max(seq), 0) FROM transactions WHERE terminal_id = :t"),
            {"t": TERMINAL},
        ).scalar_one()
    engine.dispose()
    world = World(TERMINAL, cached_signer(), count)
    world.seq = itertools.count(int(last) + 1)  # the cached journal goes on
    return url, world


def _fill_sqlite(path: Path, count: int) -> None:
    """Bulk-fill through the raw driver: a throwaway file until renamed, so no syncing."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MB: the id index stays in memory
        conn.execute("BEGIN")
        conn.execute(_SQLITE_FILL, _fill_params(count))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def postgres_ledger(url: str, count: int) -> World:
    """Seed a fresh database with `count` instruments from the cached COPY (made on first use)."""
    engine = make_engine(url)
    world = seed(engine, 0, clock(), cached_signer())
    engine.dispose()
    dump = CACHE / f"growth-{count}.pgcopy"
    with psycopg.connect(_libpq(url)) as conn, conn.cursor() as cur:
        if dump.exists():
            load = "COPY instruments FROM STDIN (FORMAT BINARY)"
            with dump.open("rb") as f, cur.copy(load) as cp:
                while chunk := f.read(1 << 20):
                    cp.write(chunk)
        else:
            ensure_disk("postgresql", count, CACHE)
            params = _fill_params(count)
            sql = _PG_FILL
            for name in params:
                sql = sql.replace(f":{name}", f"%({name})s")
            cur.execute(sql, params)
            part = dump.with_suffix(".part")
            with part.open("wb") as f, cur.copy("COPY instruments TO STDOUT (FORMAT BINARY)") as cp:
                for data in cp:
                    f.write(data)
            part.rename(dump)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE instruments")
    world.instruments = count
    return world


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def ingest_for(url: str, world: World) -> Iterator[Ingest]:
    engine: Engine = make_engine(url)
    db = Database(engine)
    committer = GroupCommitter(db, Policy(), clock=clock, max_tx=BATCH)
    committer.start()
    try:
        yield Ingest(engine, world, KeyDirectory(db), committer)
    finally:
        committer.stop()
        engine.dispose()


@contextmanager
def ledger_of(engine: str, count: int, stack: ExitStack) -> Iterator[Ingest]:
    if engine == "sqlite":
        url, world = sqlite_ledger(count)
    else:
        server = os.environ.get("CARDSVC_TEST_PG_URL", "")
        if not server:
            pytest.skip("CARDSVC_TEST_PG_URL is not set (scripts/test.sh starts PostgreSQL)")
        url = stack.enter_context(temporary_database(server, "cardsvc_bench_growth"))
        world = postgres_ledger(url, count)
    with ingest_for(url, world) as ingest:
        yield ingest


@pytest.fixture(params=[(e, n) for e in ("sqlite", "postgresql") for n in SIZES],
                ids=lambda p: f"{p[0]}-{p[1]}")  # fmt: skip
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[Ingest, Ingest, str, int]]:
    engine, count = request.param
    with ExitStack() as stack:
        stack.enter_context(cache_lock())
        base = stack.enter_context(ledger_of(engine, BASE, stack))
        big = stack.enter_context(ledger_of(engine, count, stack))
        yield base, big, engine, count


@pytest.mark.timeout(3600)  # full size on a shared box: minutes
def test_ingest_cost_as_the_ledger_grows(
    benchmark: BenchmarkFixture, pair: tuple[Ingest, Ingest, str, int]
) -> None:
    base, big, engine, count = pair
    base_rates: list[float] = []

    def setup() -> tuple[tuple[dict[str, str], bytes], dict[str, Any]]:
        headers, body = base.signed_request()[0]
        start = time.perf_counter()
        base(headers, body)  # the 10k ledger, untimed by the benchmark: the same machine load
        base_rates.append(per_second(BATCH, time.perf_counter() - start))
        return big.signed_request()

    outcome = run_rounds(benchmark, big, setup, ROUNDS)
    assert {r.code for r in outcome.results} == {"ok"}
    median = median_seconds(benchmark)
    tx_s = per_second(BATCH, median) if median is not None else 0.0
    base_tx_s = sorted(base_rates)[len(base_rates) // 2]
    ratio = tx_s / base_tx_s if base_tx_s and median else 0.0
    growth = 1 / ratio if ratio else 0.0
    benchmark.extra_info.update(
        backend=engine,
        instruments=count,
        baseline_instruments=BASE,
        batch=BATCH,
        tx_per_s=round(tx_s),
        baseline_tx_per_s=round(base_tx_s),
        ratio_to_baseline=round(ratio, 3),
        cost_growth=round(growth, 3),  # per-transaction cost at N / at the baseline's size
        p50_ms=round_ms(benchmark, 50),
        p99_ms=round_ms(benchmark, 99),
        target_growth=TARGET_GROWTH,
        target_met=(growth <= TARGET_GROWTH) if median else None,
        cache_dir=str(Path(CACHE).name),
    )
