"""The one wiring point of the agent: settings + identity + keystore -> a running agent
(local database, outbox, ledger client, sync loop, reader station, watcher)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from cardsvc.protocol.client import LedgerClient
from keys.keystore import Keystore
from reader_agent.agent.admission import Gatekeeper
from reader_agent.agent.agent import Agent
from reader_agent.agent.card_keys import KeystoreCardKeys
from reader_agent.agent.hotlist import Hotlist, Shifts
from reader_agent.agent.identity import Identity, terminal_signer
from reader_agent.agent.localdb import LocalDb
from reader_agent.agent.look import Looker
from reader_agent.agent.media import Media
from reader_agent.agent.outbox import Outbox
from reader_agent.agent.purse_flows import CARD_FAILURES, PurseFlows
from reader_agent.agent.qr_kit import QrKit
from reader_agent.agent.receipts import Receipts
from reader_agent.agent.risk import RiskGate, RiskLimits
from reader_agent.agent.settings import AgentSettings
from reader_agent.agent.station import ReaderLister, ReaderOpener, Station
from reader_agent.agent.sync import Syncer, SyncLoop
from reader_agent.agent.torn import TornReporter
from reader_agent.agent.zreports import ZReports
from reader_agent.cards.purse import PurseLayout
from reader_agent.drivers.base import Reader, ReaderInfo
from reader_agent.drivers.errors import ReaderError, ReaderUnavailableError

log = logging.getLogger(__name__)
WATCH_INTERVAL_S = 1.0


def wall_clock() -> int:
    return int(time.time())


def pcsc_reader_opener(name: str) -> tuple[ReaderOpener, ReaderLister]:
    """PC/SC: the named reader, or the first one pcscd lists (clear errors when there is none)."""
    from reader_agent.drivers import pcsc

    def open_reader() -> Reader:
        readers = pcsc.list_readers()
        if not readers:
            raise ReaderUnavailableError("no card reader is attached (pcscd lists none)")
        names = [r.name for r in readers]
        if name and name not in names:
            raise ReaderUnavailableError(f"reader {name!r} is not attached; pcscd lists {names}")
        return pcsc.PcscReader(name or names[0])

    def list_readers() -> list[ReaderInfo]:
        return pcsc.list_readers()

    return open_reader, list_readers


@dataclass
class AgentRuntime:
    settings: AgentSettings
    identity: Identity
    db: LocalDb
    outbox: Outbox
    hotlist: Hotlist
    shifts: Shifts
    syncer: Syncer
    loop: SyncLoop
    station: Station
    agent: Agent
    media: Media
    kit: QrKit
    gate: Gatekeeper
    looker: Looker
    http: httpx.Client
    _watch_stop: threading.Event
    _watcher: threading.Thread | None = None

    def start(self) -> None:
        self.shifts.ensure()
        self.loop.start()
        self._watcher = threading.Thread(target=self._watch, name="card-watcher", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._watch_stop.set()
        self.loop.stop()
        if self._watcher is not None:
            self._watcher.join(5.0)
        self.station.close()
        self.http.close()
        self.db.close()

    def _watch(self) -> None:
        """Settle torn operations as soon as their card comes back, even with no sale open."""
        while not self._watch_stop.wait(WATCH_INTERVAL_S):
            if not self.outbox.unsettled_uids(1):
                continue
            try:
                with self.station.card(0.2, wait_lock=0) as (reader, info):
                    if info.uid is not None:
                        self.agent.flows.settle(reader, info.uid)
            except (*CARD_FAILURES, ReaderError) as exc:
                log.debug("watcher: %s", exc)
            except Exception:
                log.exception("card watcher round failed")


def build_runtime(
    settings: AgentSettings,
    identity: Identity,
    keystore: Keystore,
    *,
    readers: tuple[ReaderOpener, ReaderLister] | None = None,
    http: httpx.Client | None = None,
    clock: Callable[[], int] = wall_clock,
) -> AgentRuntime:
    db = LocalDb(settings.database_path)
    outbox = Outbox(db, settings.queue_max, clock)
    hotlist, shifts = Hotlist(db, clock), Shifts(db, clock)
    url = settings.ledger_url or identity.ledger_url
    http = http or httpx.Client(base_url=url, timeout=settings.ledger_timeout_s)
    signer = terminal_signer(keystore, identity.key_label)
    client = LedgerClient(http, identity.terminal_id, signer, clock=clock)
    syncer = Syncer(outbox, client, hotlist, batch_max=settings.sync_batch,
                    retry_after_s=settings.sync_interval_s)  # fmt: skip
    loop = SyncLoop(syncer, settings.sync_interval_s, settings.hotlist_interval_s,
                    settings.sync_backoff_max_s)  # fmt: skip
    limits = RiskLimits(settings.offline_tx_max, settings.offline_card_max,
                        settings.offline_terminal_max, settings.offline_shift_max,
                        settings.hotlist_max_age_s)  # fmt: skip
    risk = RiskGate(limits, outbox, hotlist, shifts, clock)
    keys = KeystoreCardKeys(keystore, settings.key_scheme, settings.card_key_version)
    layout = PurseLayout(aid=settings.purse_aid, upper_limit=settings.purse_upper_limit)
    flows = PurseFlows(keys, layout, outbox, syncer, risk, clock, loop.wake.set,
                       settings.online_backlog_max)  # fmt: skip
    station = Station(*(readers or pcsc_reader_opener(settings.reader)))
    agent = Agent(station, flows, client, syncer, outbox, clock)
    kit = QrKit(db, trusted_signers(identity, settings), clock)
    syncer.kit = kit
    gate = Gatekeeper(identity.terminal_id, db, kit, outbox, syncer, clock)
    looker = Looker(gate, client, syncer)
    media = Media(station, flows, client)
    loop.torn = TornReporter(db, outbox, client, clock, settings.torn_report_after_s)
    loop.zreports = ZReports(db, Receipts(db, identity.terminal_id), client, clock)
    return AgentRuntime(settings, identity, db, outbox, hotlist, shifts, syncer, loop, station,
                        agent, media, kit, gate, looker, http, threading.Event())  # fmt: skip


def trusted_signers(identity: Identity, settings: AgentSettings) -> dict[str, bytes]:
    """The key-set keys this terminal trusts: named at enrolment, or configured."""
    named = {**identity.keyset_signers, **settings.keyset_signers}
    try:
        return {key_id: bytes.fromhex(public) for key_id, public in named.items()}
    except ValueError as exc:
        raise ValueError(f"a key-set signer's public key is not hex: {exc}") from exc
