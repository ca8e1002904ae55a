"""Tills for the counter's end-to-end tests with codes: the real ledger with a QR signing key
(vouchers, gift cards and e-tickets work), and counters each over its own real reader agent,
the first over the real pcscd with an emulated DESFire card in the vpcd slot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from cardsvc.api.app import create_app as ledger_app
from cardsvc.vouchers.settings import VoucherSettings
from cardsvc.wiring import build_ledger
from keys.file_keystore import FileKeystore
from reader_agent.agent.api import create_api
from reader_agent.agent.identity import enroll_terminal
from reader_agent.agent.settings import AgentSettings
from reader_agent.agent.staff import StaffBook
from reader_agent.agent.station import ReaderLister, ReaderOpener
from reader_agent.agent.wiring import AgentRuntime, build_runtime
from terminals.counter.app import create_app
from tests.reader_agent.agent.conftest import STORE, Chain, LedgerServer, make_keystore
from tests.reader_agent.contract_check import ContractWatch
from tests.support import serving

from .conftest import STAFF, counter_settings

QR_LABEL = "qr"


class VoucherLedger(LedgerServer):
    """The ledger with vouchers: a QR signing key in its keystore, a code pepper."""

    def __init__(self, db: Path, keystore: FileKeystore) -> None:
        super().__init__(db)
        self.keystore = keystore

    def start(self) -> None:
        import threading

        import uvicorn

        self.ledger = build_ledger(self.settings, keystore=self.keystore, voucher_settings=(
            VoucherSettings(code_pepper=SecretStr("counter test pepper"), public_burst=1000,
                            public_per_minute=1000.0)))  # fmt: skip
        app = ledger_app(self.settings, ledger=self.ledger)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the ledger did not start"
            time.sleep(0.01)


@contextmanager
def voucher_chain(tmp_path: Path, keystore: FileKeystore) -> Iterator[Chain]:
    server = VoucherLedger(tmp_path / "ledger.db", keystore)
    server.start()
    chain = Chain(server, {"Authorization": f"Bearer {server.admin_token()}"})
    chain.post("/v1/stores", {"id": STORE, "name": "Cửa hàng 1"})
    chain.post("/v1/programs", {"id": "PREPAID", "name": "Thẻ trả trước", "kind": "prepaid",
                                "unit": "VND", "max_balance": 10_000_000})  # fmt: skip
    try:
        yield chain
    finally:
        if server._server is not None:
            server.stop()


def campaign(chain: Chain, **body: Any) -> list[dict[str, str]]:
    """A campaign of the chain and `count` codes of it (display code, QR payload)."""
    count = body.pop("count", 1)
    body.setdefault("name", f"Chiến dịch {body['id']}")
    chain.post("/v1/campaigns", body)
    made = chain.post(f"/v1/campaigns/{body['id']}/codes", {"count": count})
    assert not made["refused"]
    return list(made["codes"])


@dataclass
class CodeTill:
    runtime: AgentRuntime
    agent_url: str
    counter_url: str


@contextmanager
def code_till(
    chain: Chain, tmp_path: Path, terminal: str, readers: tuple[ReaderOpener, ReaderLister],
    watch: ContractWatch,
) -> Iterator[CodeTill]:  # fmt: skip
    """A till of the chain's store: its own enrolled agent and counter, staff NV01 (PIN 1234)."""
    settings = AgentSettings(
        data_dir=tmp_path / terminal, ledger_timeout_s=10.0, sync_interval_s=0.2,
        sync_backoff_max_s=0.5, hotlist_interval_s=5.0,
    )  # fmt: skip
    keystore = make_keystore(tmp_path / f"{terminal}-keys.json", settings.card_key_labels)
    code = chain.post("/v1/terminals", {"id": terminal, "store_id": STORE, "name": terminal})
    with httpx.Client(base_url=chain.server.url) as http:
        identity = enroll_terminal(
            http, keystore, terminal_id=terminal, code=code["enrollment_code"],
            ledger_url=chain.server.url, key_label=settings.terminal_key_label,
            identity_path=settings.identity_path,
        )  # fmt: skip
    runtime = build_runtime(settings, identity, keystore, readers=readers)
    StaffBook(runtime.db, runtime.agent.clock).add(*STAFF)
    runtime.loop.round()
    runtime.start()
    try:
        with serving(create_api(runtime)) as agent_url:
            http = httpx.Client(base_url=agent_url, event_hooks=watch.hooks())
            app = create_app(counter_settings(agent_url, tap_timeout_s=10), http)
            with serving(app) as counter_url:
                yield CodeTill(runtime, agent_url, counter_url)
    finally:
        runtime.stop()


def qr_video(payload: str, path: Path, size: int = 480, frames: int = 10) -> Path:
    """A Y4M video (what Chromium's fake camera plays) showing the QR code of `payload`,
    centred on white, as a phone held up to the till's camera would."""
    import qrcode
    from PIL import Image

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(payload)
    picture = code.make_image(fill_color="black", back_color="white").convert("L")
    side = size * 3 // 4
    picture = picture.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", (size, size), 255)
    frame.paste(picture, ((size - side) // 2, (size - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (size // 2) * (size // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path
