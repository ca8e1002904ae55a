"""A whole ledger service for a test: the real app (FastAPI + group committer + database) driven
through its HTTP API, with a chain already set up by an administrator: two stores, programs,
and helpers to enroll terminals and to create people.

Time is a `Clock` the test moves; the service and every terminal read it, so signature windows,
key rotation overlaps, hold expiry and card validity are tested without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx
from fastapi.testclient import TestClient

from cardsvc.api.app import create_app
from cardsvc.protocol.client import LedgerClient, enroll
from cardsvc.protocol.messages import ResultMsg, TransactionMsg
from cardsvc.protocol.signing import InMemorySigner
from cardsvc.services.people import Role, create_person
from cardsvc.settings import Settings
from cardsvc.wiring import build_ledger
from tests.ledger.databases import journal_counts
from tests.support import T0 as T0
from tests.support import Clock as Clock
from tests.support import bearer as bearer
from tests.support import expect as expect

DAY = 86_400
STORES = ("S1", "S2")

PROGRAMS: list[dict[str, Any]] = [
    {"id": "PREPAID", "name": "Thẻ trả trước", "kind": "prepaid", "unit": "VND",
     "max_balance": 10_000_000},
    {"id": "GIFT", "name": "Thẻ quà tặng", "kind": "gift", "unit": "VND",
     "max_balance": 5_000_000, "validity_s": 30 * DAY},
    {"id": "VOUCHER", "name": "Phiếu 50.000đ", "kind": "voucher", "unit": "VND",
     "max_balance": 50_000, "partial": False, "uses": 1, "min_spend": 200_000},
    {"id": "MEMBER", "name": "Thẻ thành viên", "kind": "member", "unit": "PTS",
     "max_balance": 100_000_000},
]  # fmt: skip


@dataclass
class Till:
    """An enrolled terminal: its key, its signing client, its next sequence number."""

    id: str
    store: str
    signer: InMemorySigner
    client: LedgerClient
    next_seq: int = 1
    sent: list[TransactionMsg] = field(default_factory=list)

    @property
    def key_id(self) -> str:
        return self.signer.key_id

    def tx(self, op: str, instrument: str, amount: int = 0, **fields: Any) -> TransactionMsg:
        """A new transaction with the next sequence number and an id made from it."""
        seq = self.next_seq
        self.next_seq += 1
        return TransactionMsg(
            id=f"{self.id}-{seq}", seq=seq, op=op, instrument=instrument, amount=amount, **fields
        )

    def send(self, *txs: TransactionMsg) -> list[ResultMsg]:
        self.sent.extend(txs)
        return self.client.submit(txs).results

    def do(self, op: str, instrument: str, amount: int = 0, **fields: Any) -> ResultMsg:
        """One transaction in its own signed batch; its result."""
        return self.send(self.tx(op, instrument, amount, **fields))[0]


class World:
    """The service under test, set up as an administrator would."""

    def __init__(self, database_url: str, clock: Clock) -> None:
        self.clock = clock
        self.settings = Settings(database_url=database_url)
        self.ledger = build_ledger(self.settings, clock)
        self._app_client = TestClient(create_app(self.settings, clock=clock, ledger=self.ledger))
        self.http: httpx.Client = self._app_client  # typed as what it is: an httpx client
        with self.ledger.db.write() as uow:
            token = create_person(uow, "root", "Quản trị", Role.ADMIN, None, clock())
        self.admin = bearer(token)

    def __enter__(self) -> World:
        self._app_client.__enter__()
        for store in STORES:
            expect(self.post("/v1/stores", {"id": store, "name": f"Cửa hàng {store}"}), 201)
        for program in PROGRAMS:
            expect(self.post("/v1/programs", program), 201)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._app_client.__exit__(kind, exc, tb)
        self.ledger.close()

    def post(self, path: str, body: Any, auth: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(path, json=body, headers=self.admin if auth is None else auth)

    def get(self, path: str, auth: dict[str, str] | None = None) -> httpx.Response:
        return self.http.get(path, headers=self.admin if auth is None else auth)

    def person(self, person_id: str, role: str, store: str | None = None) -> dict[str, str]:
        """A new person's Authorization header."""
        body = {"id": person_id, "name": person_id, "role": role, "store_id": store}
        return bearer(expect(self.post("/v1/people", body), 201)["token"])

    def new_terminal(self, terminal_id: str, store: str) -> str:
        """Create a pending terminal; its one-time enrollment code."""
        body = {"id": terminal_id, "store_id": store, "name": f"Quầy {terminal_id}"}
        code: str = expect(self.post("/v1/terminals", body), 201)["enrollment_code"]
        return code

    def till(self, terminal_id: str, store: str = "S1") -> Till:
        """A terminal created, enrolled with a fresh key, and ready to sign."""
        code = self.new_terminal(terminal_id, store)
        signer = InMemorySigner()
        enroll(self.http, terminal_id, code, signer, at=self.clock())
        return Till(terminal_id, store, signer, self.client_for(terminal_id, signer))

    def client_for(self, terminal_id: str, signer: InMemorySigner) -> LedgerClient:
        return LedgerClient(self.http, terminal_id, signer, clock=self.clock)

    def view(self, instrument_id: str) -> dict[str, Any]:
        view: dict[str, Any] = expect(self.get(f"/v1/instruments/{instrument_id}"))
        return view

    def balance(self, instrument_id: str) -> int:
        return int(self.view(instrument_id)["balance"])

    def act(self, instrument_id: str, action: str, auth: dict[str, str]) -> httpx.Response:
        return self.http.post(f"/v1/instruments/{instrument_id}/{action}", headers=auth)

    def counts(self) -> dict[str, int]:
        return journal_counts(self.ledger.db.engine)
