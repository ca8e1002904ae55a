"""`cardsvc demo`, the whole product in one process: the ledger with a month of history, the
back office, the customer page with QR codes to try, `/docs`, a reader agent over an emulated
DESFire card on an in-process reader, and the counter POS over that agent. Ctrl-C stops it all.

Everything lives in one folder (var/demo by default), recreated on every run: the ledger's
SQLite database, its QR-key keystore, the agent's keystore and queue, QR images to scan.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from cardsvc.commands import demo_history as history
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import staff_instruction
from cardsvc.services.people import Role, create_person
from cardsvc.settings import Settings
from cardsvc.vouchers import generate as gen
from cardsvc.vouchers.campaigns import CampaignIn, create_campaign
from cardsvc.vouchers.codes import display
from cardsvc.vouchers.printing import qr_png
from cardsvc.vouchers.settings import VoucherSettings
from cardsvc.wiring import Ledger, build_ledger, wall_clock
from keys.file_keystore import FileKeystore

DEMO_PASSPHRASE = "cardsvc demo passphrase"  # a demo's keystores only
KEYSTORE_SCRYPT_N = 2**14
START_WAIT_S = 30  # a bound on waiting for a server to listen


@dataclass(frozen=True)
class Ports:
    host: str
    ledger: int
    agent: int
    counter: int


@dataclass
class Loaded:
    ledger: Ledger
    admin_token: str
    story: history.Story
    codes: list[dict[str, str]]


def fresh_folder(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def ledger_keystore(folder: Path) -> FileKeystore:
    store = FileKeystore.create(folder / "ledger-keys.json", DEMO_PASSPHRASE,
                                scrypt_n=KEYSTORE_SCRYPT_N)  # fmt: skip
    store.generate_ed25519("qr", "qr")
    store.generate_ed25519("qr-keyset", "keyset")
    return store


def voucher_settings() -> VoucherSettings:
    return VoucherSettings(code_pepper=SecretStr("cardsvc-demo-pepper"))


def load_history(folder: Path, keystore: FileKeystore) -> tuple[str, history.Story]:
    """The chain and its month, with the clock walking from 30 days ago to now."""
    from fastapi.testclient import TestClient

    from cardsvc.api.app import create_app

    settings = Settings(database_url=f"sqlite:///{folder / 'ledger.db'}")
    clock = history.Clock(wall_clock() - history.HISTORY_DAYS * history.DAY - 3600)
    ledger = build_ledger(settings, clock, keystore=keystore, voucher_settings=voucher_settings())
    try:
        with ledger.db.write() as uow:
            token = create_person(uow, "admin", "Quản trị demo", Role.ADMIN, None, clock())
        with TestClient(create_app(settings, clock=clock, ledger=ledger)) as http:
            history.load_chain(http, ledger, token, clock)
            tills = history.enrol_tills(http, token, clock)

            def expire(instrument: str) -> None:
                actor = Actor("backoffice", "hq", by_user="ketoan")
                msg = staff_instruction("expire", instrument)
                ledger.committer.submit(Submission(actor, [msg])).result(30)

            story = history.a_month(tills, clock, expire)
    finally:
        ledger.close()
    return token, story


def customer_codes(ledger: Ledger, folder: Path) -> list[dict[str, str]]:
    """A voucher campaign valid for two months and three of its codes, as text and as QR
    images to scan on the customer page."""
    vouchers = ledger.require_vouchers()
    now = wall_clock()
    body = CampaignIn(id="DEMO-TET", name="Phiếu Tết 100.000 ₫", kind="voucher",
                      face_value=100_000, min_spend=300_000, valid_until=now + 60 * history.DAY,
                      budget=10_000_000)  # fmt: skip
    with ledger.db.write() as uow:
        create_campaign(uow, body, now, "admin")
    batch = gen.generate(vouchers, "DEMO-TET", 3, "admin")
    images = folder / "qr"
    images.mkdir()
    out = []
    for i, code in enumerate(batch.codes, start=1):
        path = images / f"voucher-{i}.png"
        path.write_bytes(qr_png(code.payload))
        out.append({"code": display(code.code), "qr": code.payload, "image": str(path)})
    return out


class Servers:
    """uvicorn servers in threads of this process, stopped together."""

    def __init__(self) -> None:
        self._running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(self, app: FastAPI, host: str, port: int, name: str) -> str:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=name, daemon=True)
        thread.start()
        deadline = time.monotonic() + START_WAIT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {name} did not start on {host}:{port} (port in use?)")
            time.sleep(0.05)
        self._running.append((server, thread))
        return f"http://{host}:{port}"

    def stop(self) -> None:
        for server, _ in self._running:
            server.should_exit = True
        for _, thread in self._running:
            thread.join(10)


@contextmanager
def agent_and_counter(ledger_url: str, admin_token: str, folder: Path, ports: Ports,
                      servers: Servers) -> Iterator[dict[str, Any]]:  # fmt: skip
    """An enrolled reader agent over an emulated DESFire card on an in-process reader, and the
    counter POS over the agent."""
    from reader_agent.agent.api import create_api
    from reader_agent.agent.identity import enroll_terminal
    from reader_agent.agent.settings import AgentSettings
    from reader_agent.agent.wiring import build_runtime
    from reader_agent.drivers.virtual import VirtualReader
    from reader_agent.emulate.desfire_card import EmulatedDesfire
    from reader_agent.emulate.desfire_state import DesfireCardState
    from terminals.counter.app import create_app as counter_app
    from terminals.counter.settings import CounterSettings

    settings = AgentSettings(data_dir=folder / "agent", api_host=ports.host,
                             api_port=ports.agent)  # fmt: skip
    keystore = FileKeystore.create(folder / "agent-keys.json", DEMO_PASSPHRASE,
                                   scrypt_n=KEYSTORE_SCRYPT_N)  # fmt: skip
    for label in settings.card_key_labels:
        keystore.generate_master_key(label)
    auth = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=ledger_url, timeout=10) as http:
        body = {"id": "HN01-POS2", "store_id": "HN01", "name": "Quầy 2 (thẻ mô phỏng)"}
        made = http.post("/v1/terminals", json=body, headers=auth)
        made.raise_for_status()
        identity = enroll_terminal(
            http, keystore, terminal_id="HN01-POS2", code=made.json()["enrollment_code"],
            ledger_url=ledger_url, key_label=settings.terminal_key_label,
            identity_path=settings.identity_path,
        )  # fmt: skip
    reader = VirtualReader("Emulated DESFire reader")
    card_uid = bytes.fromhex("04A1B2C3D4E5F6")
    reader.insert(EmulatedDesfire(DesfireCardState(card_uid)))
    runtime = build_runtime(settings, identity, keystore, readers=(lambda: reader, list))
    runtime.start()
    try:
        agent_url = servers.start(create_api(runtime), ports.host, ports.agent, "reader agent")
        counter = CounterSettings(agent_url=agent_url, host=ports.host, port=ports.counter,
                                  programs={"PREPAID": "Thẻ trả trước"})  # fmt: skip
        counter_url = servers.start(counter_app(counter), ports.host, ports.counter, "counter")
        yield {"agent": agent_url, "counter": counter_url, "card_uid": card_uid.hex().upper()}
    finally:
        runtime.stop()
        keystore.close()
