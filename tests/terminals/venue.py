"""A venue for the gate and kiosk tests: the real ledger (uvicorn, SQLite) with QR keys in a real
file keystore (the QR key and the key-set key), an e-ticket event with gates, and enrolled
gate/kiosk terminals whose agents run over a virtual reader or a reader in the real pcscd."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from cardsvc.api.app import create_app
from cardsvc.vouchers.settings import VoucherSettings
from cardsvc.wiring import build_ledger
from keys.file_keystore import FileKeystore
from reader_agent.agent.api import create_api
from reader_agent.agent.identity import Identity, enroll_terminal
from reader_agent.agent.settings import AgentSettings
from reader_agent.agent.station import ReaderLister, ReaderOpener
from reader_agent.agent.wiring import AgentRuntime, build_runtime
from reader_agent.drivers.base import Reader
from tests.reader_agent.agent.conftest import Chain, LedgerServer, make_keystore
from tests.reader_agent.contract_check import ContractWatch
from tests.support import serving
from tests.vouchers.keys_fixture import PASSPHRASE, qr_keystore

DAY = 86_400
STORE = "VENUE"
EVENT = "FEST"
GATES = ("G1", "KIOSK1")  # the kiosk is listed: the event allows self check-in there


class VenueLedger(LedgerServer):
    """The real ledger with vouchers: QR keys from a file keystore the test also holds."""

    def __init__(self, db: Path, keys: Path) -> None:
        super().__init__(db)
        self.keystore = qr_keystore(keys, lambda: int(time.time()))
        self.voucher_settings = VoucherSettings(
            code_pepper=SecretStr("venue-pepper"), key_refresh_s=0, public_burst=1000,
            public_per_minute=1000.0,
        )  # fmt: skip

    def start(self) -> None:
        self.ledger = build_ledger(self.settings, keystore=self.keystore,
                                   voucher_settings=self.voucher_settings)  # fmt: skip
        app = create_app(self.settings, ledger=self.ledger)
        self._serve(app)

    def _serve(self, app: Any) -> None:
        import threading

        import uvicorn

        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the ledger did not start"
            time.sleep(0.01)

    def other_keystore(self) -> FileKeystore:
        """The same keystore file opened as `cardkeys` in another process would."""
        return FileKeystore(self.keystore.path, PASSPHRASE)


@dataclass
class Venue:
    chain: Chain
    server: VenueLedger
    tmp: Path

    def tickets(self, count: int, event: str = EVENT) -> list[dict[str, str]]:
        out = self.chain.post(f"/v1/campaigns/{event}/codes", {"count": count})
        codes: list[dict[str, str]] = out["codes"]
        return codes

    def event(self, event_id: str, gates: tuple[str, ...], **terms: Any) -> str:
        body = {"id": event_id, "name": f"Sự kiện {event_id}", "kind": "eticket", "uses": 2,
                "valid_until": int(time.time()) + DAY, "gates": list(gates), **terms}
        self.chain.post("/v1/campaigns", body)
        return event_id

    def entries(self, instrument: str) -> list[dict[str, Any]]:
        return [h for h in self.chain.history(instrument) if h["op"] == "redeem"]

    def enrol(self, terminal: str, settings: AgentSettings, keystore: FileKeystore) -> Identity:
        code = self.chain.post("/v1/terminals", {"id": terminal, "store_id": STORE,
                                                 "name": terminal})  # fmt: skip
        with httpx.Client(base_url=self.server.url) as http:
            return enroll_terminal(
                http, keystore, terminal_id=terminal, code=code["enrollment_code"],
                ledger_url=self.server.url, key_label=settings.terminal_key_label,
                identity_path=settings.identity_path,
            )  # fmt: skip


@contextmanager
def venue(tmp: Path) -> Iterator[Venue]:
    server = VenueLedger(tmp / "ledger.db", tmp / "qr-keys.json")
    server.start()
    try:
        chain = Chain(server, {"Authorization": f"Bearer {server.admin_token()}"})
        chain.post("/v1/stores", {"id": STORE, "name": "Sân vận động"})
        chain.post("/v1/programs", {"id": "PREPAID", "name": "Thẻ trả trước", "kind": "prepaid",
                                    "unit": "VND", "max_balance": 10_000_000})  # fmt: skip
        v = Venue(chain, server, tmp)
        v.event(EVENT, GATES, uses=2, passback_s=600)
        yield v
    finally:
        if server._server is not None:
            server.stop()
        server.keystore.close()


def agent_settings(data_dir: Path, **changes: Any) -> AgentSettings:
    base: dict[str, Any] = {"data_dir": data_dir, "ledger_timeout_s": 10.0,
                            "sync_interval_s": 0.2, "sync_backoff_max_s": 0.5,
                            "hotlist_interval_s": 0.5}  # fmt: skip
    return AgentSettings.model_validate({**base, **changes})


@dataclass
class Terminal:
    """One enrolled agent of the venue (a gate or a kiosk)."""

    settings: AgentSettings
    identity: Identity
    keystore: FileKeystore
    runtime: AgentRuntime

    def restart(self, reader: Reader) -> None:
        """A new agent process over the same data directory (what a restart leaves)."""
        self.runtime.stop()
        self.runtime = build_runtime(self.settings, self.identity, self.keystore,
                                     readers=(lambda: reader, list))  # fmt: skip


Readers = tuple[ReaderOpener, ReaderLister]


def terminal(v: Venue, terminal_id: str, reader: Reader | Readers, **changes: Any) -> Terminal:
    """An enrolled agent over `reader` (a reader object, or pcscd's opener and lister)."""
    settings = agent_settings(v.tmp / terminal_id, **changes)
    keystore = make_keystore(v.tmp / f"{terminal_id}-keys.json", settings.card_key_labels)
    identity = v.enrol(terminal_id, settings, keystore)
    readers = reader if isinstance(reader, tuple) else (lambda: reader, list)
    runtime = build_runtime(settings, identity, keystore, readers=readers)
    runtime.loop.round()  # hotlist and QR kit, as the running agent fetches them at start
    return Terminal(settings, identity, keystore, runtime)


@contextmanager
def agent_api(t: Terminal) -> Iterator[tuple[str, ContractWatch]]:
    """The agent's local API served on loopback; every answer checked against the contract."""
    watch = ContractWatch()
    t.runtime.start()
    with serving(create_api(t.runtime)) as url:
        yield url, watch
    watch.assert_clean()
