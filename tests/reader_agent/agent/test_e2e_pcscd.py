"""End to end: the real ledger (uvicorn) + the agent (local API) + the emulated DESFire card in
the real pcscd through vpcd. Uses the second vpcd slot by default (CARDSVC_AGENT_VPCD_PORT),
so it does not race the card side's tests on the first."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from keys.file_keystore import FileKeystore
from reader_agent.agent.api import create_api
from reader_agent.agent.identity import Identity
from reader_agent.agent.outbox import State
from reader_agent.agent.settings import AgentSettings
from reader_agent.agent.wiring import AgentRuntime, build_runtime, pcsc_reader_opener
from reader_agent.emulate.card import TearPoint
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import DesfireCardState, load_state, save_state
from reader_agent.emulate.vpcd import VpcdAddress, VpcdCardLink
from tests.reader_agent.contract_check import ContractWatch

from .conftest import INSTRUMENT, PASSPHRASE, UID, Chain, free_port

pytestmark = pytest.mark.pcscd
VPCD_PORT = int(os.environ.get("CARDSVC_AGENT_VPCD_PORT", "35964"))
VPCD_READER = f"Virtual PCD 00 {VPCD_PORT - 35963:02d}"
WAIT = 10.0


class CardInVpcd:
    """An emulated purse card kept in the vpcd slot; its state saved to a file on every change."""

    def __init__(self, state_file: Path, state: DesfireCardState | None = None) -> None:
        self.state_file = state_file
        self.card = EmulatedDesfire(
            state or DesfireCardState(UID), on_change=lambda s: save_state(state_file, s)
        )
        self.link = VpcdCardLink(self.card, VpcdAddress("127.0.0.1", VPCD_PORT), 0.3).start()

    def stop(self) -> None:
        self.link.stop()


def wait_reader_empty() -> None:
    from reader_agent.drivers import pcsc

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        states = {r.name: r.card_present for r in pcsc.list_readers()}
        assert VPCD_READER in states, f"pcscd has no {VPCD_READER}"
        if not states[VPCD_READER]:
            return
        time.sleep(0.05)
    pytest.fail(f"{VPCD_READER} still shows a card")


@pytest.fixture
def card(pcscd_available: None, tmp_path: Path) -> Iterator[CardInVpcd]:
    wait_reader_empty()
    inserted = CardInVpcd(tmp_path / "card.json")
    yield inserted
    inserted.stop()
    wait_reader_empty()


@pytest.fixture
def pcsc_runtime(
    agent_settings: AgentSettings, identity: Identity, keystore: FileKeystore, card: CardInVpcd
) -> Iterator[AgentRuntime]:
    settings = agent_settings.model_copy(update={"reader": VPCD_READER})
    rt = build_runtime(settings, identity, keystore, readers=pcsc_reader_opener(VPCD_READER))
    rt.loop.round()
    yield rt
    rt.stop()


@pytest.fixture
def api(pcsc_runtime: AgentRuntime) -> Iterator[TestClient]:
    """The local API; every answer is checked against reader_agent.contract."""
    watch = ContractWatch()
    client = TestClient(create_api(pcsc_runtime))
    client.event_hooks = watch.hooks()
    yield client
    watch.assert_clean()


def call(api: TestClient, path: str, body: dict[str, object]) -> dict[str, object]:
    response = api.post(path, json={"timeout_s": WAIT, **body})
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_personalise_top_up_redeem_balance_through_the_local_api(
    api: TestClient, chain: Chain
) -> None:
    readers = api.get("/v1/readers").json()
    assert VPCD_READER in [r["name"] for r in readers["readers"]]
    issued = call(api, "/v1/issue", {"program": "PREPAID", "amount": 200_000})
    assert (issued["code"], issued["card_value"], issued["ledger_balance"]) == ("ok", 200_000,
                                                                             200_000)
    topped = call(api, "/v1/top-up", {"amount": 100_000})
    assert (topped["code"], topped["card_value"]) == ("ok", 300_000)
    sale = call(api, "/v1/redeem", {"amount": 75_000, "request_id": "HD-0001"})
    assert (sale["code"], sale["mode"], sale["ledger_balance"]) == ("ok", "online", 225_000)
    view = call(api, "/v1/tap", {})
    assert (view["kind"], view["card_value"], view["agree"]) == ("purse", 225_000, True)
    assert api.get(f"/v1/results/{sale['tx_id']}").json()["code"] == "ok"
    assert api.get("/v1/queue").json()["ready"] == 0
    bad = api.post("/v1/redeem", json={"amount": 1.5})
    assert bad.status_code == 422
    assert chain.balance() == 225_000


DEBIT_TEARS = [
    TearPoint(0xDC, 1, False), TearPoint(0xDC, 1, True), TearPoint(0xDC, 2, False),
    TearPoint(0xDC, 2, True), TearPoint(0xC7, 1, False), TearPoint(0xC7, 1, True),
]  # fmt: skip


def test_tear_at_every_step_then_ledger_and_card_agree(
    api: TestClient, card: CardInVpcd, chain: Chain, pcsc_runtime: AgentRuntime
) -> None:
    call(api, "/v1/issue", {"program": "PREPAID", "amount": 500_000})
    for n, tear in enumerate(DEBIT_TEARS):
        card.card.tear.arm(tear)
        torn = call(api, "/v1/redeem", {"amount": 10_000, "request_id": f"sale-{n}"})
        assert torn["code"] == "card_removed", (tear, torn)
        retry = call(api, "/v1/redeem", {"amount": 10_000, "request_id": f"sale-{n}"})
        assert retry["code"] == "ok", (tear, retry)
    pcsc_runtime.syncer.flush()
    view = call(api, "/v1/tap", {})
    expected = 500_000 - 10_000 * len(DEBIT_TEARS)
    assert (view["card_value"], view["card_counter"]) == (expected, 1 + len(DEBIT_TEARS))
    assert chain.balance() == expected and view["agree"] is True
    redeems = [h for h in chain.history() if h["op"] == "redeem"]
    assert len(redeems) == len(DEBIT_TEARS) and {h["code"] for h in redeems} == {"ok"}
    assert chain.alerts() == []


def test_ledger_down_taps_queued_then_synced_once(
    api: TestClient, chain: Chain, pcsc_runtime: AgentRuntime
) -> None:
    call(api, "/v1/issue", {"program": "PREPAID", "amount": 300_000})
    chain.server.stop()
    results = [call(api, "/v1/redeem", {"amount": 20_000}) for _ in range(4)]
    assert [r["code"] for r in results] == ["ok"] * 4
    assert {r["mode"] for r in results} <= {"queued", "offline"}
    assert api.get("/v1/queue").json()["ready"] == 4
    chain.server.start()
    pcsc_runtime.syncer.status.last_error_at = None
    synced = api.post("/v1/sync").json()
    assert (synced["synced"], synced["ready"]) == (True, 0)
    assert chain.balance() == 220_000
    assert [h["code"] for h in chain.history() if h["op"] == "redeem"] == ["ok"] * 4
    assert call(api, "/v1/tap", {})["agree"] is True


def test_replayed_card_state_is_refused_and_hotlisted(
    api: TestClient, card: CardInVpcd, chain: Chain, tmp_path: Path
) -> None:
    call(api, "/v1/issue", {"program": "PREPAID", "amount": 300_000})
    copy = tmp_path / "card-copy.json"
    shutil.copy(card.state_file, copy)  # the fraudster saves the card's state
    assert call(api, "/v1/redeem", {"amount": 250_000})["code"] == "ok"
    card.stop()
    wait_reader_empty()
    restored = CardInVpcd(tmp_path / "restored.json", load_state(copy))
    try:
        replay = call(api, "/v1/redeem", {"amount": 250_000})
        assert call(api, "/v1/redeem", {"amount": 1_000})["code"] == "instrument_blocked"
    finally:
        restored.stop()
    assert replay["code"] == "card_replay"
    assert chain.get(f"/v1/instruments/{INSTRUMENT}")["status"] == "blocked"
    assert any(a["kind"] == "replay" for a in chain.alerts())


def _ledger_redeems(chain: Chain) -> int:
    db = chain.server.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT count(*) FROM transactions WHERE op = 'redeem'").fetchone()
    return int(row[0])


def _agent_process(settings: AgentSettings, keys_file: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "READER_AGENT_DATA_DIR": str(settings.data_dir),
           "READER_AGENT_SYNC_BATCH": "1", "READER_AGENT_SYNC_INTERVAL_S": "0.05",
           "READER_AGENT_API_PORT": str(free_port()), "READER_AGENT_READER": "no such reader",
           "CARDKEYS_FILE": str(keys_file), "CARDKEYS_PASSPHRASE": PASSPHRASE}  # fmt: skip
    command = [sys.executable, "-m", "reader_agent.cli", "run"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_agent_killed_while_syncing_then_restarted_syncs_exactly_once(
    api: TestClient, chain: Chain, pcsc_runtime: AgentRuntime, tmp_path: Path
) -> None:
    taps = 40
    call(api, "/v1/issue", {"program": "PREPAID", "amount": 1_000_000})
    chain.server.stop()
    pcsc_runtime.syncer._failed("ledger stopped")
    risk = pcsc_runtime.agent.flows.risk
    risk.limits = replace(risk.limits, card_max=10**7, terminal_max=10**7, shift_max=10**7)
    for _ in range(taps):
        assert call(api, "/v1/redeem", {"amount": 1_000})["mode"] in ("offline", "queued")
    settings = pcsc_runtime.settings
    pcsc_runtime.stop()  # the agent's process ends; its queue stays on disk
    chain.server.start()
    first = _agent_process(settings, tmp_path / "keys.json")
    deadline = time.monotonic() + 30
    while _ledger_redeems(chain) == 0:
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        assert time.monotonic() < deadline, "the agent never synced"
        time.sleep(0.002)
    first.send_signal(signal.SIGKILL)  # mid-sync: some sent, maybe one unanswered
    first.wait(10)
    assert _ledger_redeems(chain) < taps
    second = _agent_process(settings, tmp_path / "keys.json")
    try:
        while _ledger_redeems(chain) < taps or _unsent(settings) > 0:
            assert second.poll() is None, second.stderr.read() if second.stderr else ""
            assert time.monotonic() < deadline + 30, "the restarted agent did not finish"
            time.sleep(0.05)
    finally:
        second.terminate()
        second.wait(10)
    assert _ledger_redeems(chain) == taps
    assert chain.balance() == 1_000_000 - 1_000 * taps
    assert {h["code"] for h in chain.history() if h["op"] == "redeem"} == {"ok"}
    assert chain.alerts() == []


def _unsent(settings: AgentSettings) -> int:
    with sqlite3.connect(settings.database_path) as conn:
        row = conn.execute(
            "SELECT count(*) FROM outbox WHERE state IN (?, ?)", (State.READY, State.CARD)
        ).fetchone()
    return int(row[0])
