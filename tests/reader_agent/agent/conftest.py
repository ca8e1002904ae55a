"""Fixtures for the agent: the real ledger served by uvicorn (stoppable, restartable), an
enrolled terminal with a file keystore, emulated DESFire cards on a virtual reader."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from cardsvc.api.app import create_app
from cardsvc.services.people import Role, create_person
from cardsvc.settings import Settings
from cardsvc.wiring import Ledger, build_ledger
from keys.file_keystore import FileKeystore
from reader_agent.agent.identity import Identity, enroll_terminal
from reader_agent.agent.settings import AgentSettings
from reader_agent.agent.wiring import AgentRuntime, build_runtime, pcsc_reader_opener
from reader_agent.drivers.base import Reader
from reader_agent.drivers.virtual import VirtualReader
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import DesfireCardState

PASSPHRASE = "agent test passphrase"
UID = bytes.fromhex("04A1B2C3D4E581")
INSTRUMENT = "card-" + UID.hex().upper()
STORE, TERMINAL = "S1", "S1-POS1"
PREPAID = {"id": "PREPAID", "name": "Thẻ trả trước", "kind": "prepaid", "unit": "VND",
           "max_balance": 10_000_000}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LedgerServer:
    """The real ledger app over SQLite, served by uvicorn in a thread on a loopback port."""

    def __init__(self, db: Path) -> None:
        self.settings = Settings(database_url=f"sqlite:///{db}")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.ledger: Ledger | None = None

    def start(self) -> None:
        self.ledger = build_ledger(self.settings)
        app = create_app(self.settings, ledger=self.ledger)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the ledger did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None and self.ledger
        self._server.should_exit = True
        self._thread.join(10)
        self.ledger.close()
        self._server = None

    def admin_token(self) -> str:
        assert self.ledger is not None
        with self.ledger.db.write() as uow:
            return create_person(uow, "root", "Quản trị", Role.ADMIN, None, int(time.time()))


@dataclass
class Chain:
    server: LedgerServer
    admin: dict[str, str]

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, headers=self.admin, timeout=10)

    def get(self, path: str) -> Any:
        with self.http() as http:
            response = http.get(path)
            assert response.status_code == 200, response.text
            return response.json()

    def post(self, path: str, body: Any = None) -> Any:
        with self.http() as http:
            response = http.post(path, json=body)
            assert response.status_code in (200, 201), response.text
            return response.json()

    def balance(self, instrument: str = INSTRUMENT) -> int:
        return int(self.get(f"/v1/instruments/{instrument}")["balance"])

    def history(self, instrument: str = INSTRUMENT) -> list[dict[str, Any]]:
        found = self.get(f"/v1/instruments/{instrument}/history?limit=500")
        return list(found["transactions"])

    def alerts(self) -> list[dict[str, Any]]:
        return list(self.get("/v1/reports/card-alerts")["alerts"])


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    server = LedgerServer(tmp_path / "ledger.db")
    server.start()
    chain = Chain(server, {"Authorization": f"Bearer {server.admin_token()}"})
    chain.post("/v1/stores", {"id": STORE, "name": "Cửa hàng 1"})
    chain.post("/v1/programs", PREPAID)
    yield chain
    if server._server is not None:
        server.stop()


def make_keystore(path: Path, labels: tuple[str, ...]) -> FileKeystore:
    store = FileKeystore.create(path, PASSPHRASE, scrypt_n=2**10)
    for label in labels:
        store.generate_master_key(label)
    return store


@pytest.fixture
def agent_settings(tmp_path: Path) -> AgentSettings:
    return AgentSettings(
        data_dir=tmp_path / "agent", ledger_timeout_s=10.0, sync_interval_s=0.2,
        sync_backoff_max_s=0.5, hotlist_interval_s=0.5, offline_card_max=300_000,
        offline_tx_max=200_000, offline_terminal_max=500_000, offline_shift_max=400_000,
    )  # fmt: skip


@pytest.fixture
def keystore(tmp_path: Path, agent_settings: AgentSettings) -> FileKeystore:
    return make_keystore(tmp_path / "keys.json", agent_settings.card_key_labels)


@pytest.fixture
def identity(chain: Chain, keystore: FileKeystore, agent_settings: AgentSettings) -> Identity:
    code = chain.post("/v1/terminals", {"id": TERMINAL, "store_id": STORE, "name": "Quầy 1"})
    with httpx.Client(base_url=chain.server.url) as http:
        return enroll_terminal(
            http, keystore, terminal_id=TERMINAL, code=code["enrollment_code"],
            ledger_url=chain.server.url, key_label=agent_settings.terminal_key_label,
            identity_path=agent_settings.identity_path,
        )  # fmt: skip


def blank_card(uid: bytes = UID) -> EmulatedDesfire:
    return EmulatedDesfire(DesfireCardState(uid))


@pytest.fixture
def virtual_reader() -> VirtualReader:
    reader = VirtualReader()
    reader.insert(blank_card())
    return reader


def virtual_runtime(
    settings: AgentSettings, identity: Identity, keystore: FileKeystore, reader: Reader
) -> AgentRuntime:
    return build_runtime(settings, identity, keystore,
                         readers=(lambda: reader, list))  # fmt: skip


@pytest.fixture
def runtime(
    agent_settings: AgentSettings,
    identity: Identity,
    keystore: FileKeystore,
    virtual_reader: VirtualReader,
) -> Iterator[AgentRuntime]:
    """An agent over the virtual reader; its sync loop is not started (tests drive it)."""
    rt = virtual_runtime(agent_settings, identity, keystore, virtual_reader)
    rt.loop.round()  # the hotlist, as the running agent would fetch it at start
    yield rt
    rt.stop()


def another_terminal(
    chain: Chain, keystore: FileKeystore, settings: AgentSettings, reader: Reader | None,
    terminal_id: str, store: str = STORE, pcsc_reader: str | None = None,
) -> AgentRuntime:
    """A second enrolled terminal (its own key, local database and queue) over `reader` (or
    the PC/SC reader named `pcsc_reader`), sharing the card keys: the same card can be tapped
    at either."""
    mine = settings.model_copy(update={
        "data_dir": settings.data_dir.parent / terminal_id,
        "terminal_key_label": f"terminal-{terminal_id}",
    })  # fmt: skip
    code = chain.post("/v1/terminals", {"id": terminal_id, "store_id": store, "name": terminal_id})
    with httpx.Client(base_url=chain.server.url) as http:
        identity = enroll_terminal(
            http, keystore, terminal_id=terminal_id, code=code["enrollment_code"],
            ledger_url=chain.server.url, key_label=mine.terminal_key_label,
            identity_path=mine.identity_path,
        )  # fmt: skip
    if pcsc_reader is not None:
        mine = mine.model_copy(update={"reader": pcsc_reader})
        rt = build_runtime(mine, identity, keystore, readers=pcsc_reader_opener(pcsc_reader))
    else:
        assert reader is not None
        rt = virtual_runtime(mine, identity, keystore, reader)
    rt.loop.round()
    return rt
