"""`cardsvc demo`, the whole product in one process: the ledger with a month of history, the
back office, the customer page with QR codes to try, `/docs`; the store side (a reader agent,
the counter, the kiosk and the gate) is `demo_front`'s. This module loads the data and runs the
servers. Ctrl-C stops it all.

Everything lives in one folder (var/demo by default), recreated on every run: the ledger's
SQLite database, its QR-key keystore, the agent's keystore and queue, QR images (and their
text) of vouchers and e-tickets to scan.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

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

            def expire(instrument: str) -> bool:
                actor = Actor("backoffice", "hq", by_user="ketoan")
                msg = staff_instruction("expire", instrument)
                done = ledger.committer.submit(Submission(actor, [msg])).result(30)
                return bool(done.results[0].code == "ok")

            story = history.a_month(tills, clock, expire)
    finally:
        ledger.close()
    return token, story


def customer_codes(ledger: Ledger, folder: Path) -> list[dict[str, str]]:
    """A voucher campaign valid for two months and three of its codes, as text and as QR
    images to scan on the customer page or at the kiosk."""
    now = wall_clock()
    body = CampaignIn(id="DEMO-TET", name="Phiếu Tết 100.000 ₫", kind="voucher",
                      face_value=100_000, min_spend=300_000, valid_until=now + 60 * history.DAY,
                      budget=10_000_000)  # fmt: skip
    return _campaign_codes(ledger, folder, body, 3, "voucher")


def ticket_codes(ledger: Ledger, folder: Path, gates: list[str]) -> list[dict[str, str]]:
    """An e-ticket event whose gates are `gates` (two entries a ticket, ten minutes apart)
    and two of its tickets, to scan at the gate or check in at the kiosk."""
    now = wall_clock()
    body = CampaignIn(id="DEMO-FEST", name="Lễ hội mùa xuân", kind="eticket", uses=2,
                      passback_s=600, valid_until=now + 30 * history.DAY, gates=gates)  # fmt: skip
    return _campaign_codes(ledger, folder, body, 2, "ticket")


def _campaign_codes(ledger: Ledger, folder: Path, body: CampaignIn, count: int,
                    name: str) -> list[dict[str, str]]:  # fmt: skip
    """The campaign made and `count` codes: each as a QR image and as the QR's text (what a
    scanner types at the kiosk or the gate; paste it there without a camera)."""
    vouchers = ledger.require_vouchers()
    with ledger.db.write() as uow:
        create_campaign(uow, body, wall_clock(), "admin")
    batch = gen.generate(vouchers, body.id, count, "admin")
    images = folder / "qr"
    images.mkdir(exist_ok=True)
    out = []
    for i, code in enumerate(batch.codes, start=1):
        path = images / f"{name}-{i}.png"
        path.write_bytes(qr_png(code.payload))
        path.with_suffix(".txt").write_text(code.payload + "\n", encoding="utf-8")
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
