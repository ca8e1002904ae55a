"""Fault campaigns against the real service (uvicorn subprocesses, real databases), each bounded
well under a minute:

- a bank workload (transfers, top-ups, redemptions from several terminals) while the server
  is killed with SIGKILL every few seconds, on SQLite and on PostgreSQL with two workers:
  money is conserved, no balance goes negative, every acknowledged transaction is in the
  journal exactly once with the answer the terminal was given, and the reports equal the
  journal;
- a storm of poisoned requests beside healthy terminals: the healthy ones never see an error;
- the database stopped and restarted under load: 503 with Retry-After meanwhile, then
  recovery, nothing lost.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from cardsvc.core import InstrumentKind, InstrumentSpec, Unit
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.protocol.signing import sign_request
from cardsvc.services.people import Role, create_person
from cardsvc.storage.db import make_engine
from cardsvc.storage.migrate import upgrade
from cardsvc.storage.programs import Program
from cardsvc.storage.schema import instruments, transactions
from cardsvc.storage.unit_of_work import Database
from tests.ledger.books import assert_double_entry, assert_liability_consistent
from tests.ledger.conftest import BACKENDS, backend_database
from tests.ledger.faults import (
    DedicatedPostgres,
    KillableServer,
    OutboxTerminal,
    Repeater,
    new_terminal,
    running,
)
from tests.ledger.world import bearer, expect

CARDS = [f"ACC{i}" for i in range(6)]
INITIAL = 1_000_000
KILLS = 2  # SIGKILLs during the workload
KILL_EVERY_S = 2.0  # after each restart, the next SIGKILL comes this much later
LOAD_MAX_S = 45.0  # the workload stops after the last restart, or at the latest then
DELIVER_GRACE_S = 60.0  # after the load, what is still queued must land within this


@dataclass
class Chain:
    server: KillableServer
    engine: Engine
    admin: dict[str, str]

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, timeout=30.0)

    def terminal(self, terminal_id: str) -> OutboxTerminal:
        with self.http() as http:
            signer = new_terminal(http, self.admin, terminal_id)
        return OutboxTerminal(terminal_id, signer, self.server.url)


@pytest.fixture
def chain(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Chain]:
    """A served chain (store S1, program PREPAID); on PostgreSQL with two workers."""
    with backend_database(request, tmp_path) as url:
        engine = _prepared(url)
        workers = 2 if url.startswith("postgresql") else 1
        try:
            with running(KillableServer(url, tmp_path, workers)) as server:
                chain = Chain(server, engine, _admin(engine))
                _set_up(chain)
                yield chain
        finally:
            engine.dispose()


def _prepared(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)  # before any server starts: workers must not race to migrate
    return engine


def _admin(engine: Engine) -> dict[str, str]:
    with Database(engine).write() as uow:
        return bearer(create_person(uow, "root", "root", Role.ADMIN, None, int(time.time())))


def _set_up(chain: Chain) -> None:
    with chain.http() as http:
        expect(http.post("/v1/stores", json={"id": "S1", "name": "S1"}, headers=chain.admin), 201)
        program = {"id": "PREPAID", "name": "p", "kind": "prepaid", "unit": "VND",
                   "max_balance": 100_000_000}  # fmt: skip
        expect(http.post("/v1/programs", json=program, headers=chain.admin), 201)


def _issue_cards(chain: Chain) -> None:
    issuer = chain.terminal("ISSUER")
    for card in CARDS:
        tx = issuer.next_tx("issue", card, INITIAL, program="PREPAID")
        assert issuer.deliver(tx, time.monotonic() + DELIVER_GRACE_S)
        assert issuer.told[tx.id][0] == "ok"


def _bank_terminal(term: OutboxTerminal, seed: int, stop: threading.Event) -> None:
    """Transfers between the cards, top-ups and redemptions, one at a time, each delivered
    (resent on failure) before the next, as the agent's outbox does."""
    rng = random.Random(seed)
    deadline = time.monotonic() + LOAD_MAX_S
    while not stop.is_set() and time.monotonic() < deadline:
        a, b = rng.sample(CARDS, 2)
        roll = rng.random()
        if roll < 0.7:
            tx = term.next_tx("transfer", a, rng.randint(1, 200_000), counterparty=b)
        elif roll < 0.85:
            tx = term.next_tx("top_up", a, rng.randint(1, 50_000))
        else:
            tx = term.next_tx("redeem", a, rng.randint(1, 50_000))
        assert term.deliver(tx, time.monotonic() + DELIVER_GRACE_S), f"{tx.id} never answered"


def _run_terminals(terms: list[OutboxTerminal], stop: threading.Event) -> None:
    """Every terminal on its own thread until `stop` (bounded: LOAD_MAX_S, then the grace)."""
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            _bank_terminal(terms[i], 1000 + i, stop)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(terms))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=LOAD_MAX_S + DELIVER_GRACE_S + 30)
    assert not errors, errors


@pytest.mark.parametrize("chain", BACKENDS, indirect=True)
def test_bank_workload_survives_kill_9(chain: Chain) -> None:
    _issue_cards(chain)
    terms = [chain.terminal(f"BANK{i}") for i in range(3)]
    stop, killed = threading.Event(), []

    def killer() -> None:
        try:
            for _ in range(KILLS):
                time.sleep(KILL_EVERY_S)
                chain.server.kill()
                chain.server.start()
            time.sleep(KILL_EVERY_S)  # some load on the last start too
        except BaseException as exc:
            killed.append(exc)
        finally:
            stop.set()

    operator = threading.Thread(target=killer)
    operator.start()
    _run_terminals(terms, stop)
    operator.join(timeout=LOAD_MAX_S + 120)
    assert not killed, killed
    assert chain.server.starts == KILLS + 1
    told = {tx_id: answer for t in terms for tx_id, answer in t.told.items()}
    assert len(told) >= len(terms) * 2
    assert sum(t.transport_errors for t in terms) > 0, "no request was cut by a kill"
    _assert_journal_is_what_terminals_were_told(chain.engine, told)
    _assert_money_conserved(chain.engine, told)
    _assert_reports_equal_the_journal(chain, told)


def _assert_journal_is_what_terminals_were_told(
    engine: Engine, told: dict[str, tuple[str, TransactionMsg]]
) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            select(transactions.c.id, transactions.c.code)
            .where(transactions.c.terminal_id.like("BANK%"))
        ).all()  # fmt: skip
    journal = Counter(r.id for r in rows)
    assert all(n == 1 for n in journal.values())
    assert set(journal) == set(told), "a journalled transaction nobody was told of, or a lost one"
    assert {r.id: r.code for r in rows} == {i: _applied(code) for i, (code, _) in told.items()}


def _applied(code: str) -> str:
    """What the journal holds for an answer: a resend of a transaction whose first answer was
    lost (the commit landed, the connection did not) is answered "exists": it was applied, ok."""
    return "ok" if code == "exists" else code


def _assert_money_conserved(engine: Engine, told: dict[str, tuple[str, TransactionMsg]]) -> None:
    moved = {"top_up": 0, "redeem": 0}
    for code, tx in told.values():
        if _applied(code) == "ok" and tx.op in moved:
            moved[tx.op] += tx.amount
    with engine.connect() as conn:
        balances = dict(conn.execute(select(instruments.c.id, instruments.c.balance)).all())
    assert min(balances.values()) >= 0
    assert sum(balances[c] for c in CARDS) == (
        len(CARDS) * INITIAL + moved["top_up"] - moved["redeem"]
    )
    assert_double_entry(engine)


def _assert_reports_equal_the_journal(
    chain: Chain, told: dict[str, tuple[str, TransactionMsg]]
) -> None:
    with chain.http() as http:
        liability = expect(http.get("/v1/reports/liability", headers=chain.admin))
        end = int(time.time()) + 10
        clearing = expect(http.get(f"/v1/reports/clearing?start=0&end={end}",
                                   headers=chain.admin))["stores"]  # fmt: skip
    assert_liability_consistent(liability, chain.engine)
    ok = [tx for code, tx in told.values() if _applied(code) == "ok"]
    sold = len(CARDS) * INITIAL + sum(tx.amount for tx in ok if tx.op == "top_up")
    spent = sum(tx.amount for tx in ok if tx.op == "redeem")
    (line,) = [r for r in clearing if r["store"] == "S1"]
    assert (line["cash_in"], line["redeemed"]) == (sold, spent)


# --- a storm of poisoned requests beside healthy terminals ------------------------------------


@pytest.mark.parametrize("chain", ["sqlite"], indirect=True)
def test_poisoned_requests_never_reach_healthy_terminals(chain: Chain) -> None:
    spec = InstrumentSpec(InstrumentKind.GIFT, Unit.VND, "BROKEN", valid_until=2**63)
    with Database(chain.engine).write() as uow:  # stored behind the API's bounds, as a defect
        uow.programs.add(Program("BROKEN", "hỏng", spec, None), int(time.time()))
    _issue_cards(chain)
    healthy = [chain.terminal(f"GOOD{i}") for i in range(3)]
    bad = chain.terminal("BAD")
    storm = _Storm(bad, chain.server.url)
    with Repeater(storm.send_one, 0.02, time.monotonic() + 60) as storming:
        for_each = 25
        _healthy_work(healthy, for_each)
    assert not storming.errors, storming.errors
    assert storm.sent >= 20 and storm.statuses <= {200, 401, 413, 422}, storm.statuses
    for term in healthy:
        assert term.statuses == [] and term.transport_errors == 0
        assert {code for code, _ in term.told.values()} == {"ok"}
        assert len(term.told) == for_each
    assert "Traceback" not in chain.server.log()


def _healthy_work(terms: list[OutboxTerminal], count: int) -> None:
    def run(term: OutboxTerminal, card: str) -> None:
        for k in range(count):
            op = "top_up" if k % 2 == 0 else "redeem"
            assert term.deliver(term.next_tx(op, card, 1_000), time.monotonic() + 60)

    threads = [threading.Thread(target=run, args=(t, CARDS[i])) for i, t in enumerate(terms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)


class _Storm:
    """One poisoned request at a time, cycling through kinds: unstorable terms (the core
    refuses them), out-of-bounds integers, broken signatures, replays, oversized bodies."""

    def __init__(self, term: OutboxTerminal, url: str) -> None:
        self.term, self.url, self.sent = term, url, 0
        self.statuses: set[int] = set()
        self._last: tuple[bytes, dict[str, str]] | None = None

    def _signed(self, body: bytes) -> dict[str, str]:
        return sign_request("POST", self.url + "/v1/batches", body, self.term.signer,
                            self.term.terminal_id, created=int(time.time()))  # fmt: skip

    def send_one(self) -> None:
        kind = self.sent % 5
        tx = self.term.next_tx("issue", f"X{self.sent}", 1_000, program="BROKEN")
        body = json.dumps({"version": 1, "transactions": [tx.model_dump(exclude_none=True)]})
        if kind == 1:
            body = body.replace(f'"seq": {tx.seq}', f'"seq": {2**63}')
        payload = body.encode() if kind != 4 else b" " * (5 * 1024 * 1024)
        headers = self._signed(payload)
        if kind == 2:
            headers["Signature"] = headers["Signature"][:-6] + "AAAA:"
        if kind == 3 and self._last is not None:
            payload, headers = self._last
        self._last = (payload, headers)
        with httpx.Client(base_url=self.url, timeout=30.0) as http:
            answer = http.post("/v1/batches", content=payload, headers=headers)
        self.statuses.add(answer.status_code)
        self.sent += 1


# --- the database stopped and restarted under load --------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(not DedicatedPostgres.available(), reason="PostgreSQL is not installed")
def test_database_restart_under_load_answers_503_then_recovers(tmp_path: Path) -> None:
    pg = DedicatedPostgres()
    try:
        pg.init()
        pg.start()
        engine = _prepared(pg.url)
        try:
            with running(KillableServer(pg.url, tmp_path, workers=1)) as server:
                chain = Chain(server, engine, _admin(engine))
                _set_up(chain)
                _issue_cards(chain)
                _outage_under_load(chain, pg)
        finally:
            engine.dispose()
    finally:
        pg.remove()


def _outage_under_load(chain: Chain, pg: DedicatedPostgres) -> None:
    terms = [chain.terminal(f"BANK{i}") for i in range(3)]
    stop = threading.Event()
    outage: list[BaseException] = []

    def stop_then_start() -> None:
        try:
            time.sleep(3.0)
            pg.stop("immediate")
            time.sleep(3.0)
            with chain.http() as http:
                answer = http.get("/v1/health")
                assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
                assert answer.json()["error"] == "database_unavailable"
            pg.start()
            time.sleep(3.0)  # load after the recovery too
        except BaseException as exc:  # re-raised below
            outage.append(exc)
        finally:
            stop.set()

    operator = threading.Thread(target=stop_then_start)
    operator.start()
    _run_terminals(terms, stop)
    operator.join(timeout=60)
    assert not outage, outage
    statuses = Counter(s for t in terms for s in t.statuses)
    assert statuses and set(statuses) <= {503}, statuses  # refused in words, never a 500
    told = {tx_id: answer for t in terms for tx_id, answer in t.told.items()}
    _assert_journal_is_what_terminals_were_told(chain.engine, told)
    _assert_money_conserved(chain.engine, told)
    _assert_reports_equal_the_journal(chain, told)
    with chain.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(transactions)).scalar_one() > 0
