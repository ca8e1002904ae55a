"""The demo's store side: one enrolled reader agent over an emulated DESFire card, and the
counter POS, the kiosk and the gate over that agent (the front-ends only speak the agent's
local API, so one agent serves all three; the demo event lists it among its gates).

The card goes into the machine's real pcscd through vpcd when pcscd runs with vpcd and the
slot is free, else into an in-process emulated reader; `Front.reader` says which and why."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from cardsvc.commands.demo_run import DEMO_PASSPHRASE, KEYSTORE_SCRYPT_N, Servers
from cardsvc.commands.demo_settings import DemoSettings, port_or_free
from keys.file_keystore import FileKeystore

if TYPE_CHECKING:  # the agent's modules load only when the demo serves
    from reader_agent.agent.identity import Identity
    from reader_agent.agent.localdb import LocalDb
    from reader_agent.agent.settings import AgentSettings
    from reader_agent.agent.station import ReaderLister, ReaderOpener

DEMO_TERMINAL = "HN01-POS2"
CARD_UID = bytes.fromhex("04A1B2C3D4E5F6")
CARD_SEEN_S = 5.0  # a bound on waiting for pcscd to see the card vpcd was given
# who opens a shift at the demo's counter (a till's staff live in its agent, not the ledger):
# without one the counter's shift screen has nobody to choose and nothing can be sold
COUNTER_STAFF = (("NV01", "Nhân viên quầy demo", "1234"),)


@dataclass(frozen=True)
class Front:
    agent: str
    counter: str
    kiosk: str
    gate: str
    card_uid: str
    reader: str  # where the emulated card is, in words


@contextmanager
def card_reader(settings: DemoSettings) -> Iterator[tuple[tuple[ReaderOpener, ReaderLister], str]]:
    """(the agent's `readers` argument, where the card is in words) for the demo's card."""
    from reader_agent.drivers.virtual import VirtualReader
    from reader_agent.emulate.desfire_card import EmulatedDesfire
    from reader_agent.emulate.desfire_state import DesfireCardState

    card = EmulatedDesfire(DesfireCardState(CARD_UID))
    why_not = "the demo was told not to use pcscd" if not settings.pcscd else _vpcd_free(settings)
    if why_not is None:
        from reader_agent.agent.wiring import pcsc_reader_opener
        from reader_agent.emulate.vpcd import VpcdAddress, VpcdCardLink

        link = VpcdCardLink(card, VpcdAddress("127.0.0.1", settings.vpcd_port), 0.3).start()
        try:
            if _card_seen(settings.vpcd_reader):
                where = f"in the real pcscd through vpcd, reader {settings.vpcd_reader!r}"
                yield pcsc_reader_opener(settings.vpcd_reader), where
                return
            why_not = f"pcscd did not see the card in {settings.vpcd_reader!r}"
        finally:
            link.stop()
    reader = VirtualReader("Emulated DESFire reader")
    reader.insert(card)
    yield (lambda: reader, list), f"on an in-process emulated reader ({why_not})"


def _vpcd_free(settings: DemoSettings) -> str | None:
    """None when pcscd lists the vpcd slot with no card in it; else why the demo cannot use it."""
    try:
        from reader_agent.drivers import pcsc

        readers = {r.name: r.card_present for r in pcsc.list_readers()}
    except Exception as exc:  # no pyscard, no pcscd: every way it fails means "not available"
        return f"pcscd is not available: {exc}"
    if settings.vpcd_reader not in readers:
        return f"pcscd lists no {settings.vpcd_reader!r} (vpcd not installed?)"
    if readers[settings.vpcd_reader]:
        return f"{settings.vpcd_reader!r} already holds a card"
    return None


def _card_seen(reader_name: str) -> bool:
    from reader_agent.drivers import pcsc

    deadline = time.monotonic() + CARD_SEEN_S
    while time.monotonic() < deadline:
        if any(r.name == reader_name and r.card_present for r in pcsc.list_readers()):
            return True
        time.sleep(0.05)
    return False


@contextmanager
def front_ends(ledger_url: str, admin_token: str, folder: Path, settings: DemoSettings,
               servers: Servers) -> Iterator[Front]:  # fmt: skip
    """The enrolled agent over the demo card, then the counter, kiosk and gate over it."""
    from reader_agent.agent.api import create_api
    from reader_agent.agent.settings import AgentSettings
    from reader_agent.agent.wiring import build_runtime
    from terminals.counter.app import create_app as counter_app
    from terminals.counter.settings import CounterSettings
    from terminals.gate.app import create_app as gate_app
    from terminals.kiosk.app import create_app as kiosk_app
    from terminals.unattended.settings import GateSettings, KioskSettings

    host = settings.host
    agent = AgentSettings(data_dir=folder / "agent", api_host=host,
                          api_port=port_or_free(host, settings.agent_port))  # fmt: skip
    with ExitStack() as stack:
        keystore = FileKeystore.create(folder / "agent-keys.json", DEMO_PASSPHRASE,
                                       scrypt_n=KEYSTORE_SCRYPT_N)  # fmt: skip
        stack.callback(keystore.close)
        for label in agent.card_key_labels:
            keystore.generate_master_key(label)
        identity = _enrol(ledger_url, admin_token, keystore, agent)
        readers, where = stack.enter_context(card_reader(settings))
        runtime = build_runtime(agent, identity, keystore, readers=readers)
        _add_counter_staff(runtime.db)
        runtime.loop.round()  # the hotlist and the QR key set, so the gate is ready at once
        runtime.start()
        stack.callback(runtime.stop)
        agent_url = servers.start(create_api(runtime), host, agent.api_port, "reader agent")
        counter = CounterSettings(agent_url=agent_url, host=host,
                                  port=port_or_free(host, settings.counter_port),
                                  programs={"PREPAID": "Thẻ trả trước"})  # fmt: skip
        kiosk = KioskSettings(agent_url=agent_url, host=host,
                              port=port_or_free(host, settings.kiosk_port))  # fmt: skip
        gate = GateSettings(agent_url=agent_url, host=host, name="Cổng A",
                            port=port_or_free(host, settings.gate_port))  # fmt: skip
        yield Front(
            agent=agent_url,
            counter=servers.start(counter_app(counter), host, counter.port, "counter"),
            kiosk=servers.start(kiosk_app(kiosk), host, kiosk.port, "kiosk"),
            gate=servers.start(gate_app(gate), host, gate.port, "gate"),
            card_uid=CARD_UID.hex().upper(),
            reader=where,
        )


def _add_counter_staff(db: LocalDb) -> None:
    from reader_agent.agent.staff import StaffBook

    book = StaffBook(db, lambda: int(time.time()))
    for staff_id, name, pin in COUNTER_STAFF:
        book.add(staff_id, name, pin)


def _enrol(ledger_url: str, admin_token: str, keystore: FileKeystore,
           agent: AgentSettings) -> Identity:  # fmt: skip
    """The demo terminal made with the admin token and enrolled with its one-time code."""
    from reader_agent.agent.identity import enroll_terminal

    auth = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=ledger_url, timeout=10) as http:
        body = {"id": DEMO_TERMINAL, "store_id": "HN01", "name": "Quầy 2 (thẻ mô phỏng)"}
        made = http.post("/v1/terminals", json=body, headers=auth)
        made.raise_for_status()
        return enroll_terminal(
            http, keystore, terminal_id=DEMO_TERMINAL, code=made.json()["enrollment_code"],
            ledger_url=ledger_url, key_label=agent.terminal_key_label,
            identity_path=agent.identity_path,
        )  # fmt: skip
