"""Online signed requests over HTTP: 64 concurrent clients, one signed single-transaction
redemption per request, against the real service and against a bare endpoint.

Both servers are uvicorn subprocesses on loopback ports, uvloop + httptools, no access log, in
three set-ups (the issue's table): SQLite with one worker, PostgreSQL with one worker, and
PostgreSQL with two workers (then a one-worker ledger on the same database is timed too, for
the two-worker speed-up). The ledger is the real app (`cardsvc.api.app:create_app`) on a
seeded database (SQLite: WAL, synchronous=FULL): each request is verified, parsed,
group-committed and answered once durable. The baseline is `bare_app` below, with as many
workers: it only verifies the request's signature (the same `verify_signed`, a fixed key) and
answers a small JSON. Requests are signed before the clock
starts (signing is the terminal's cost). The load generator is this process: 64 keep-alive
connections on one uvloop event loop, sharing the machine's 2 cores with the server; its CPU
time is reported too.

Run: `python -m pytest benchmarks/test_http.py` (full size) or with CARDSVC_BENCH_SCALE=smoke
and `--benchmark-disable`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvloop
from conftest import is_smoke, median_seconds, per_second, run_rounds, scaled
from fastapi import FastAPI, Request
from ledger_world import World, seed
from pytest_benchmark.fixture import BenchmarkFixture

from cardsvc.protocol.signing import KeyStatus, sign_request
from cardsvc.protocol.strict_verify import verify_signed
from cardsvc.storage.db import make_engine
from cardsvc.storage.provision import temporary_database

CLIENTS = 64
REQUESTS = scaled(6_000, 128)  # per timed round, shared by the clients
WARMUP = scaled(640, 64)
ROUNDS = 3
INSTRUMENTS = scaled(100_000, 1_000)
STARTUP_S = 240.0  # two workers importing the app on a loaded 2-core box
PATH = "/v1/batches"
BARE_KEY_ENV = "CARDSVC_BENCH_BARE_KEY"  # the bare app's one public key (base64), its terminal
BARE_TERMINAL_ENV = "CARDSVC_BENCH_BARE_TERMINAL"
SERVER_FLAGS = ("--loop", "uvloop", "--http", "httptools", "--no-access-log")
LEDGER_APP = "cardsvc.api.app:create_app"


def bare_app() -> FastAPI:
    """The floor: verify the signature of a POST and answer, nothing else."""
    key = KeyStatus(base64.b64decode(os.environ[BARE_KEY_ENV]), os.environ[BARE_TERMINAL_ENV], True)
    app = FastAPI()

    @app.post(PATH)
    async def verify_only(request: Request) -> dict[str, str]:
        body = await request.body()
        verify_signed(
            request.method,
            str(request.url),
            request.headers,
            body,
            lambda _key_id: key,
            now=int(time.time()),
            window_s=300,
        )
        return {"code": "ok"}

    return app


# --- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """A uvicorn subprocess this benchmark started (and stops)."""

    base_url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


def start_server(app: str, env: dict[str, str], log: Path, *extra: str) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--log-level", "warning", *SERVER_FLAGS, *extra]
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process)
    _wait_until_up(server, log)
    return server


def _wait_until_up(server: Server, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(server.base_url + "/openapi.json", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start in {STARTUP_S}s: see {log}")


# --- load --------------------------------------------------------------------------------------
# The clients speak HTTP/1.1 keep-alive over asyncio streams with pre-encoded requests: an
# httpx AsyncClient with 64 pooled connections spent ~4 ms of CPU per request here and pinned
# its core at ~250 req/s, measuring itself rather than the server.
def sign_redemptions(world: World, base_url: str, count: int) -> list[bytes]:
    """`count` requests, each one signed redemption as a terminal sends it, encoded."""
    out = []
    host = base_url.removeprefix("http://")
    for _ in range(count):
        body = world.body(1, redeem_share=1.0)
        headers = sign_request(
            "POST", base_url + PATH, body, world.signer, world.terminal_id, created=int(time.time())
        )
        out.append(encode_post(host, body, headers))
    return out


def encode_post(host: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {PATH} HTTP/1.1", f"host: {host}", f"content-length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one response (uvicorn always sends content-length for these)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status, length = int(lines[0].split(b" ", 2)[1]), None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError(f"a response without content-length: {head[:200]!r}")
    return status, await reader.readexactly(length)


@dataclass
class Load:
    """One run of the clients over a list of requests."""

    seconds: float
    cpu_seconds: float  # this process's CPU time: the load generator's share of the cores
    latencies: list[float]
    failures: list[str] = field(default_factory=list)


async def _client(base_url: str, requests: list[bytes], load: Load) -> None:
    host, _, port = base_url.removeprefix("http://").partition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        for raw in requests:
            start = time.perf_counter()
            writer.write(raw)
            status, body = await read_response(reader)
            load.latencies.append(time.perf_counter() - start)
            if status != 200 or b'"code":"ok"' not in body:
                load.failures.append(f"{status} {body[:200]!r}")
    finally:
        writer.close()
        await writer.wait_closed()


async def _drive(base_url: str, requests: list[bytes]) -> Load:
    load = Load(0.0, 0.0, [])
    shares = [requests[i::CLIENTS] for i in range(CLIENTS)]
    cpu, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(_client(base_url, share, load) for share in shares))
    load.seconds, load.cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return load


def drive(base_url: str, requests: list[bytes]) -> Load:
    """CLIENTS connections, each sending its share of `requests` one after another."""
    return uvloop.run(_drive(base_url, requests))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`; 0.0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


# --- the benchmark ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Setup:
    """One configuration the issue's table asks for: the engine and the uvicorn workers."""

    engine: str
    workers: int
    compare_one_worker: bool = False  # also time a one-worker ledger on the same database

    @property
    def name(self) -> str:
        return f"{self.engine}-{self.workers}w"


SETUPS = [Setup("sqlite", 1), Setup("postgresql", 1), Setup("postgresql", 2, True)]
if is_smoke():  # the two-worker set-up starts a one-worker ledger too: it covers both
    SETUPS.remove(Setup("postgresql", 1))


@dataclass
class Servers:
    world: World
    ledger: Server
    bare: Server
    one_worker: Server | None = None


@contextmanager
def ledger_database(setup: Setup, tmp: Path) -> Iterator[str]:
    if setup.engine == "sqlite":
        yield f"sqlite:///{tmp / 'ledger.db'}"
        return
    server_url = os.environ.get("CARDSVC_TEST_PG_URL", "")
    if not server_url:
        pytest.skip("CARDSVC_TEST_PG_URL is not set (scripts/test.sh starts PostgreSQL)")
    with temporary_database(server_url, "cardsvc_bench_http") as url:
        yield url


@pytest.fixture(params=SETUPS, ids=lambda s: s.name)
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    setup: Setup = request.param
    tmp = tmp_path_factory.mktemp(f"http-{setup.name}")
    with ledger_database(setup, tmp) as url, ExitStack() as stack:
        engine = make_engine(url)
        world = seed(engine, INSTRUMENTS, int(time.time()))
        engine.dispose()
        workers = ("--workers", str(setup.workers))
        env = {"CARDSVC_DATABASE_URL": url, "CARDSVC_WORKERS": str(setup.workers)}
        ledger = start_server(LEDGER_APP, env, tmp / "ledger.log", *workers)
        stack.callback(ledger.stop)
        bare_env = {
            BARE_KEY_ENV: base64.b64encode(world.signer.public_key_raw()).decode(),
            BARE_TERMINAL_ENV: world.terminal_id,
        }
        here = ("--app-dir", str(Path(__file__).parent))
        bare = start_server("test_http:bare_app", bare_env, tmp / "bare.log", *workers, *here)
        stack.callback(bare.stop)
        one = None
        if setup.compare_one_worker:
            one = start_server(LEDGER_APP, env, tmp / "one.log", "--workers", "1")
            stack.callback(one.stop)
        for server in (ledger, bare, *([one] if one else [])):  # connections, caches: warm
            warm = drive(server.base_url, sign_redemptions(world, server.base_url, WARMUP))
            assert not warm.failures, warm.failures[:5]
        yield Servers(world, ledger, bare, one)


@pytest.mark.timeout(3600)  # full size on a shared box: minutes per set-up
def test_signed_redemptions_over_http(benchmark: BenchmarkFixture, servers: Servers) -> None:
    ledger_runs: list[Load] = []
    bare_runs: list[Load] = []
    one_runs: list[Load] = []

    def setup() -> tuple[tuple[list[bytes]], dict[str, Any]]:
        # The baselines run before every timed ledger run: all under the same machine load.
        bare_requests = sign_redemptions(servers.world, servers.bare.base_url, REQUESTS)
        bare_runs.append(drive(servers.bare.base_url, bare_requests))
        if servers.one_worker is not None:
            one = servers.one_worker.base_url
            one_runs.append(drive(one, sign_redemptions(servers.world, one, REQUESTS)))
        return (sign_redemptions(servers.world, servers.ledger.base_url, REQUESTS),), {}

    def run(requests: list[bytes]) -> Load:
        load = drive(servers.ledger.base_url, requests)
        ledger_runs.append(load)
        return load

    run_rounds(benchmark, run, setup, ROUNDS)
    for load in (*ledger_runs, *bare_runs, *one_runs):
        assert not load.failures, load.failures[:5]
        assert len(load.latencies) == REQUESTS
    timed = ledger_runs[-ROUNDS:] if len(ledger_runs) > ROUNDS else ledger_runs
    _report(benchmark, timed, bare_runs[-len(timed) :], one_runs[-len(timed) :])


def _median_rate(loads: list[Load]) -> float:
    rates = sorted(per_second(REQUESTS, load.seconds) for load in loads)
    return rates[len(rates) // 2] if rates else 0.0


def _report(
    benchmark: BenchmarkFixture, ledger: list[Load], bare: list[Load], one: list[Load]
) -> None:
    """extra_info: tx/s, p50 and p99 in ms of the ledger and of the bare endpoint (and of the
    one-worker ledger, where two workers are measured)."""
    median = median_seconds(benchmark)
    tx_s = per_second(REQUESTS, median) if median is not None else 0.0
    bare_tx_s = _median_rate(bare)

    def ms(loads: list[Load], q: float) -> float:
        return round(1000 * percentile([x for load in loads for x in load.latencies], q), 2)

    def client_cpu(loads: list[Load]) -> float:
        return round(sum(x.cpu_seconds for x in loads) / sum(x.seconds for x in loads), 2)

    benchmark.extra_info.update(
        clients=CLIENTS,
        requests_per_round=REQUESTS,
        tx_per_s=round(tx_s),
        p50_ms=ms(ledger, 50),
        p99_ms=ms(ledger, 99),
        baseline_tx_per_s=round(bare_tx_s),
        baseline_p50_ms=ms(bare, 50),
        baseline_p99_ms=ms(bare, 99),
        ratio_to_baseline=round(tx_s / bare_tx_s, 3) if bare_tx_s and median else 0.0,
        client_cpu_share=client_cpu(ledger),  # cores the load generator used (of 2)
        baseline_client_cpu_share=client_cpu(bare),
    )
    if one:
        one_tx_s = _median_rate(one)
        benchmark.extra_info.update(
            one_worker_tx_per_s=round(one_tx_s),
            one_worker_p99_ms=ms(one, 99),
            ratio_to_one_worker=round(tx_s / one_tx_s, 3) if one_tx_s and median else 0.0,
        )
