"""Concurrency through the real HTTP service (uvicorn in subprocesses, the group committer):
many threads and several processes redeeming one card never overspend; value is conserved;
two terminals sending one transaction id apply it once. On PostgreSQL every test runs against
TWO server processes on one database (multi-worker safety: row locks, retried conflicts)."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from threading import Barrier

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Engine, select

from cardsvc.protocol.client import LedgerClient, enroll
from cardsvc.protocol.messages import ResultMsg, TransactionMsg
from cardsvc.protocol.signing import InMemorySigner
from cardsvc.services.people import Role, create_person
from cardsvc.storage.db import make_engine
from cardsvc.storage.migrate import upgrade
from cardsvc.storage.schema import transactions
from cardsvc.storage.unit_of_work import Database
from tests.ledger.books import assert_double_entry, assert_liability_consistent, posting_sums
from tests.ledger.conftest import BACKENDS, backend_database
from tests.ledger.load import LoadPlan, run_load, submit_with_retry, warm_up
from tests.ledger.server import serve
from tests.ledger.world import bearer, expect

CLIENT_PROCESSES = 3


@dataclass
class Service:
    """Ledger servers over one database, set up with store S1 and program PREPAID."""

    urls: tuple[str, ...]
    engine: Engine
    admin: dict[str, str]

    def http(self, server: int = 0) -> httpx.Client:
        return httpx.Client(base_url=self.urls[server % len(self.urls)], timeout=60.0)

    def terminal(self, terminal_id: str) -> bytes:
        """Create and enroll a terminal; its raw private key."""
        key = Ed25519PrivateKey.generate()
        with self.http() as http:
            body = {"id": terminal_id, "store_id": "S1", "name": terminal_id}
            code = expect(http.post("/v1/terminals", json=body, headers=self.admin), 201)
            enroll(http, terminal_id, code["enrollment_code"], InMemorySigner(key))
        return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def client(self, http: httpx.Client, terminal_id: str, key: bytes) -> LedgerClient:
        signer = InMemorySigner(Ed25519PrivateKey.from_private_bytes(key))
        return LedgerClient(http, terminal_id, signer)

    def issue(self, card: str, amount: int) -> None:
        key = self.terminal("ISS-" + card)
        with self.http() as http:
            tx = TransactionMsg(id="iss-" + card, seq=1, op="issue", instrument=card,
                                amount=amount, program="PREPAID")  # fmt: skip
            assert self.client(http, "ISS-" + card, key).submit([tx]).results[0].code == "ok"

    def balance(self, card: str) -> int:
        with self.http() as http:
            return int(expect(http.get(f"/v1/instruments/{card}", headers=self.admin))["balance"])

    def journal(self, ids: set[str]) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(transactions.c.id, transactions.c.code))
            return {r.id: r.code for r in rows if r.id in ids}


def _prepare(url: str) -> tuple[Engine, dict[str, str]]:
    engine = make_engine(url)
    upgrade(engine)  # once, before the servers start: two must not race to migrate
    with Database(engine).write() as uow:
        token = create_person(uow, "root", "root", Role.ADMIN, None, int(time.time()))
    return engine, bearer(token)


@pytest.fixture(scope="module", params=BACKENDS)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    workdir = tmp_path_factory.mktemp("served")
    servers = 2 if request.param == "postgres" else 1  # SQLite has one writer: one server
    with backend_database(request, workdir) as url, ExitStack() as stack:
        engine, admin = _prepare(url)
        stack.callback(engine.dispose)
        urls = tuple(
            stack.enter_context(serve(url, workdir, f"ledger-{i}")) for i in range(servers)
        )
        with httpx.Client(base_url=urls[0]) as http:
            expect(http.post("/v1/stores", json={"id": "S1", "name": "S1"}, headers=admin), 201)
            program = {"id": "PREPAID", "name": "p", "kind": "prepaid", "unit": "VND",
                       "max_balance": 100_000_000}  # fmt: skip
            expect(http.post("/v1/programs", json=program, headers=admin), 201)
        yield Service(urls, engine, admin)


@pytest.fixture(scope="module")
def client_processes() -> Iterator[ProcessPoolExecutor]:
    """Worker processes, started and warm before any race begins."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(CLIENT_PROCESSES, mp_context=context) as pool:
        assert all(
            f.result(timeout=120) for f in [pool.submit(warm_up) for _ in range(CLIENT_PROCESSES)]
        )
        yield pool


def test_threads_and_processes_never_overspend(
    service: Service, client_processes: ProcessPoolExecutor
) -> None:
    initial, amount = 1_000_000, 10_000
    service.issue("HOT", initial)
    start = time.time() + 1.0
    plans = [
        LoadPlan(service.urls, "T-THREADS", service.terminal("T-THREADS"), "HOT", amount,
                 workers=32, attempts=4, first_seq=1, id_prefix="thr", start_at=start),
        *[LoadPlan(service.urls[i % len(service.urls):] + service.urls, f"T-P{i}",
                   service.terminal(f"T-P{i}"), "HOT", amount, workers=8, attempts=5,
                   first_seq=1, id_prefix=f"p{i}", start_at=start)
          for i in range(CLIENT_PROCESSES)],
    ]  # fmt: skip
    remote = [client_processes.submit(run_load, plan) for plan in plans[1:]]
    seen = dict(run_load(plans[0]))
    for future in remote:
        seen.update(future.result(timeout=300))
    assert len(seen) == sum(p.workers * p.attempts for p in plans)
    assert set(seen.values()) <= {"ok", "insufficient_funds"}
    spent = amount * sum(code == "ok" for code in seen.values())
    final = service.balance("HOT")
    assert spent <= initial and final == initial - spent
    assert final < amount  # every refusal was a real shortfall: no redemption was lost
    assert service.journal(set(seen)) == seen  # what the terminals were told is what is kept
    _assert_value_conserved(service)


def _assert_value_conserved(service: Service) -> None:
    """Value sold for cash = value still on cards + value spent at stores."""
    with service.http() as http:
        report = expect(http.get("/v1/reports/liability", headers=service.admin))
    assert_liability_consistent(report, service.engine)
    sums = posting_sums(service.engine)
    (outstanding,) = [r["balance"] for r in report["programs"] if r["program"] == "PREPAID"]
    assert -sums["cash:S1"] == outstanding + sums.get("settle:S1", 0)
    assert sum(sums.values()) == 0
    assert_double_entry(service.engine)


def _race(*sends: tuple[LedgerClient, TransactionMsg]) -> list[ResultMsg]:
    """Submit each transaction with its client at the same moment, on its own thread."""
    gate = Barrier(len(sends))

    def run(send: tuple[LedgerClient, TransactionMsg]) -> ResultMsg:
        gate.wait(timeout=60)
        return submit_with_retry(*send)

    with ThreadPoolExecutor(len(sends)) as pool:
        return list(pool.map(run, sends))


def test_one_transaction_id_from_two_terminals_is_applied_once(service: Service) -> None:
    initial, amount, rounds = 100_000, 1_000, 20
    service.issue("DUP", initial)
    keys = {t: service.terminal(t) for t in ("T-A", "T-B")}
    with service.http(0) as http_a, service.http(1) as http_b:
        a = service.client(http_a, "T-A", keys["T-A"])
        b = service.client(http_b, "T-B", keys["T-B"])
        outcomes: dict[str, list[str]] = {}
        for i in range(rounds):
            tx = TransactionMsg(id=f"DUP-{i}", seq=i + 1, op="redeem", instrument="DUP",
                                amount=amount)  # fmt: skip
            outcomes[tx.id] = sorted(r.code for r in _race((a, tx), (b, tx)))
    assert set(map(tuple, outcomes.values())) == {("exists_with_different_fields", "ok")}
    assert service.balance("DUP") == initial - rounds * amount
    assert service.journal(set(outcomes)) == dict.fromkeys(outcomes, "ok")
    _assert_value_conserved(service)


def test_one_new_card_id_issued_twice_at_once_is_issued_once(service: Service) -> None:
    keys = {t: service.terminal(t) for t in ("T-C", "T-D")}
    with service.http(0) as http_c, service.http(1) as http_d:
        c = service.client(http_c, "T-C", keys["T-C"])
        d = service.client(http_d, "T-D", keys["T-D"])
        for i in range(10):
            card = f"NEW-{i}"
            first, second = (
                TransactionMsg(id=f"{who}-{i}", seq=i + 1, op="issue", instrument=card,
                               amount=amount, program="PREPAID")
                for who, amount in (("C", 5_000), ("D", 7_000))
            )  # fmt: skip
            results = _race((c, first), (d, second))
            codes = Counter(r.code for r in results)
            assert codes == Counter({"ok": 1, "instrument_exists": 1}), codes
            winner = next(r for r in results if r.code == "ok")
            assert service.balance(card) == winner.balance_after
    _assert_value_conserved(service)


def test_one_transaction_voided_or_refunded_at_once_twice_is_reversed_once(
    service: Service,
) -> None:
    """Reversal state (voided, refunded) is read under the card's row lock: two workers
    reversing one redemption at the same moment must not both succeed."""
    initial, rounds = 1_000_000, 5
    service.issue("REV", initial)
    keys = {t: service.terminal(t) for t in ("T-E", "T-F")}
    with service.http(0) as http_e, service.http(1) as http_f:
        e = service.client(http_e, "T-E", keys["T-E"])
        f = service.client(http_f, "T-F", keys["T-F"])
        seq = iter(range(1, 1_000))
        for i in range(rounds):
            spend = TransactionMsg(id=f"R-{i}", seq=next(seq), op="redeem", instrument="REV",
                                   amount=50_000)  # fmt: skip
            assert submit_with_retry(e, spend).code == "ok"
            voids = [TransactionMsg(id=f"{w}-void-{i}", seq=next(seq), op="void", ref=spend.id,
                                    instrument="REV") for w in "EF"]  # fmt: skip
            codes = Counter(r.code for r in _race((e, voids[0]), (f, voids[1])))
            assert codes == Counter({"ok": 1, "already_voided": 1}), codes
            spend = spend.model_copy(update={"id": f"R2-{i}", "seq": next(seq)})
            assert submit_with_retry(e, spend).code == "ok"
            refunds = [TransactionMsg(id=f"{w}-refund-{i}", seq=next(seq), op="refund",
                                      ref=spend.id, instrument="REV", amount=30_000)
                       for w in "EF"]  # fmt: skip
            codes = Counter(r.code for r in _race((e, refunds[0]), (f, refunds[1])))
            assert codes == Counter({"ok": 1, "refund_exceeds_redemption": 1}), codes
    assert service.balance("REV") == initial - rounds * (50_000 - 30_000)
    _assert_value_conserved(service)
