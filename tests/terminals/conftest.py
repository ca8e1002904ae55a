"""End-to-end fixtures: the real ledger (uvicorn, SQLite), the real reader agent (its local API
served by uvicorn, its sync loop and card watcher running) over the in-process virtual reader
with an emulated blank DESFire card, and the counter app, each on a free loopback port. Every
answer the counter receives from the agent is checked against reader_agent.contract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from keys.file_keystore import FileKeystore
from reader_agent.agent.api import create_api
from reader_agent.agent.identity import enroll_terminal
from reader_agent.agent.settings import AgentSettings
from reader_agent.agent.staff import StaffBook
from reader_agent.agent.wiring import AgentRuntime, build_runtime
from reader_agent.drivers.virtual import VirtualReader
from terminals.counter.app import create_app
from terminals.counter.settings import CounterSettings
from tests.reader_agent.agent.conftest import (
    STORE,
    Chain,
    blank_card,
    make_keystore,
)
from tests.reader_agent.agent.conftest import chain as chain  # the shared ledger fixture
from tests.reader_agent.contract_check import ContractWatch
from tests.support import serving

TERMINAL = "S1-QUAY1"
STAFF = ("NV01", "Nguyễn Thị Lan", "1234")  # id, name, PIN


@dataclass
class Till:
    """One counter: the agent (runtime + its URL), its reader, and the counter's URL."""

    runtime: AgentRuntime
    reader: VirtualReader
    agent_url: str
    counter_url: str
    watch: ContractWatch  # checks every agent answer the counters of this till receive

    def counter_settings(self, **changes: object) -> CounterSettings:
        return counter_settings(self.agent_url, **changes)

    def agent_http(self) -> httpx.Client:
        return httpx.Client(base_url=self.agent_url, event_hooks=self.watch.hooks())

    def counter_app(self, **changes: object) -> FastAPI:
        """Another counter over this till's agent (a restarted one, other settings)."""
        return create_app(self.counter_settings(**changes), self.agent_http())


def counter_settings(agent_url: str, **changes: object) -> CounterSettings:
    defaults: dict[str, object] = {"tap_timeout_s": 5}
    return CounterSettings.model_validate({"agent_url": agent_url, **defaults, **changes})


@pytest.fixture
def till(chain: Chain, tmp_path: Path) -> Iterator[Till]:
    settings = AgentSettings(
        data_dir=tmp_path / "agent", ledger_timeout_s=10.0, sync_interval_s=0.2,
        sync_backoff_max_s=0.5, hotlist_interval_s=5.0,
    )  # fmt: skip
    keystore: FileKeystore = make_keystore(tmp_path / "keys.json", settings.card_key_labels)
    code = chain.post("/v1/terminals", {"id": TERMINAL, "store_id": STORE, "name": "Quầy 1"})
    with httpx.Client(base_url=chain.server.url) as http:
        identity = enroll_terminal(
            http, keystore, terminal_id=TERMINAL, code=code["enrollment_code"],
            ledger_url=chain.server.url, key_label=settings.terminal_key_label,
            identity_path=settings.identity_path,
        )  # fmt: skip
    reader = VirtualReader("Virtual reader 0")
    reader.insert(blank_card())
    runtime = build_runtime(settings, identity, keystore,
                            readers=(lambda: reader, lambda: [reader.info()]))  # fmt: skip
    StaffBook(runtime.db, runtime.agent.clock).add(*STAFF)  # `reader-agent staff add` does this
    runtime.loop.round()  # the hotlist before the first sale, as the agent fetches it at start
    runtime.start()
    watch = ContractWatch()
    try:
        with serving(create_api(runtime)) as agent_url:
            till = Till(runtime, reader, agent_url, "", watch)
            with serving(create_app(counter_settings(agent_url), till.agent_http())) as url:
                till.counter_url = url
                yield till
    finally:
        runtime.stop()
    watch.assert_clean()
