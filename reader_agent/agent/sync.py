"""Sending the outbox to the ledger: signed batches (at most 8192), in sequence order.

One lock serialises every send, the online tap's and the sync loop's, so a card's counters
always reach the ledger in the order the card produced them (the ledger refuses a counter that
goes back as a replayed card). A batch that does not get an answer stays `ready` and is resent
as it was; the ledger answers `exists` for what it already applied.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from cardsvc.protocol.codes import ProtocolCode
from cardsvc.protocol.limits import BATCH_MAX
from cardsvc.protocol.messages import ResultMsg
from reader_agent.agent.hotlist import Hotlist
from reader_agent.agent.outbox import Outbox
from reader_agent.agent.qr_kit import KitRefused, QrKit

log = logging.getLogger(__name__)
DONE_KEPT = 100_000  # answered entries kept for GET /v1/results (the table stays bounded)
MAX_BATCHES_PER_ROUND = 64  # a sync round's bound; the loop comes back for the rest


class LedgerUnavailable(Exception):
    """No answer from the ledger (network, timeout, 5xx) or a refusal of the whole request."""


@dataclass
class LinkStatus:
    last_ok_at: float | None = None
    last_error_at: float | None = None
    last_error: str = ""


class Syncer:
    def __init__(
        self,
        outbox: Outbox,
        client: LedgerClient,
        hotlist: Hotlist,
        *,
        batch_max: int = BATCH_MAX,
        retry_after_s: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= batch_max <= BATCH_MAX:
            raise ValueError(f"a batch holds 1..{BATCH_MAX} transactions")
        self.outbox, self.client, self.hotlist = outbox, client, hotlist
        self.batch_max, self.retry_after_s, self.monotonic = batch_max, retry_after_s, monotonic
        self.status = LinkStatus()
        self.send_lock = threading.Lock()
        self.on_replay: Callable[[str], None] = hotlist.add
        self.kit: QrKit | None = None  # the offline QR validator's downloads, when it has them

    def available(self) -> bool:
        """Worth trying the ledger for a tap: no failure since the last success, or the last
        failure is older than the retry pause (a down ledger does not slow every tap)."""
        s = self.status
        if s.last_error_at is None:
            return True
        if s.last_ok_at is not None and s.last_ok_at > s.last_error_at:
            return True
        return self.monotonic() - s.last_error_at >= self.retry_after_s

    def reachable(self) -> bool:
        """Whether the last contact with the ledger succeeded (what status screens show;
        `available` answers the different question of whether to try again now)."""
        s = self.status
        if s.last_error_at is None:
            return True
        return s.last_ok_at is not None and s.last_ok_at > s.last_error_at

    def _failed(self, why: str) -> None:
        self.status.last_error_at, self.status.last_error = self.monotonic(), why

    def _send_batch(self) -> int:
        """Send the oldest ready entries as one signed batch; the number sent (0: none left)."""
        entries = self.outbox.ready(self.batch_max)
        if not entries:
            return 0
        try:
            response = self.client.submit([e.msg for e in entries])
        except httpx.HTTPError as exc:
            self._failed(f"{type(exc).__name__}: {exc}")
            raise LedgerUnavailable(str(exc)) from exc
        except LedgerRefused as exc:
            self._failed(f"{exc.status} {exc.code}")
            raise LedgerUnavailable(f"ledger refused the batch: {exc}") from exc
        results = response.results
        if [(r.id, r.seq) for r in results] != [(e.id, e.seq) for e in entries]:
            self._failed("answer does not match the batch")
            raise LedgerUnavailable("the ledger's results do not match the batch sent")
        self.outbox.record_results(results)
        self.status.last_ok_at = self.monotonic()
        self._note_replays(results)
        return len(entries)

    def _note_replays(self, results: list[ResultMsg]) -> None:
        replayed = {r.id for r in results if r.code == ProtocolCode.CARD_REPLAY}
        for tx_id in replayed:
            entry = self.outbox.get(tx_id)
            if entry is not None:
                self.on_replay(entry.msg.instrument)  # refuse the card here at once
        for r in results:  # a lost or replaced card the hotlist here did not know yet
            if r.code == ProtocolCode.CARD_MEDIUM_BLOCKED:
                entry = self.outbox.get(r.id)
                if entry is not None:
                    self.hotlist.add_medium(entry.msg.instrument)

    def flush(self, max_batches: int = MAX_BATCHES_PER_ROUND) -> int:
        """Send ready entries until none is left (or `max_batches`); raises LedgerUnavailable."""
        sent = 0
        with self.send_lock:
            for _ in range(max_batches):
                count = self._send_batch()
                sent += count
                if count < self.batch_max:
                    break
        return sent

    def refresh_hotlist(self) -> int:
        try:
            blocked, media, pending = self.client.hotlists()
        except (httpx.HTTPError, LedgerRefused) as exc:
            self._failed(f"hotlist: {exc}")
            raise LedgerUnavailable(str(exc)) from exc
        self.status.last_ok_at = self.monotonic()
        return self.hotlist.replace(blocked, media, pending)

    def lookup(self, instrument: str) -> dict[str, Any]:
        """The ledger's view of an instrument, asked now: LedgerUnavailable without an answer,
        LedgerRefused when it answers no (not_found ...)."""
        try:
            found = self.client.lookup(instrument)
        except httpx.HTTPError as exc:
            self._failed(f"lookup: {exc}")
            raise LedgerUnavailable(str(exc)) from exc
        self.status.last_ok_at = self.monotonic()
        return found

    def refresh_kit(self) -> int | None:
        """The QR key set, revocation list and gates; None when the ledger has none to give
        (no QR keys configured) or the download was refused (the last good kit stays)."""
        if self.kit is None:
            return None
        try:
            answer = self.client.offline_kit()
        except httpx.HTTPError as exc:
            self._failed(f"QR kit: {exc}")
            raise LedgerUnavailable(str(exc)) from exc
        except LedgerRefused as exc:  # the ledger answered: it is up, it has no kit for us
            log.warning("no QR kit from the ledger: %s", exc)
            return None
        try:
            return self.kit.replace(answer)
        except KitRefused as exc:
            log.error("QR kit refused, the last good one stays in use: %s", exc)
            return None


class TornRound(Protocol):
    def round(self, poll: bool = True) -> int: ...


class ReportRound(Protocol):
    def round(self) -> int: ...


class SyncLoop:
    """The background loop: flush the outbox, refresh the hotlist, back off while down."""

    def __init__(self, syncer: Syncer, interval_s: float, hotlist_s: float, backoff_max_s: float):
        self.syncer, self.interval_s = syncer, interval_s
        self.hotlist_s, self.backoff_max_s = hotlist_s, backoff_max_s
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._hotlist_due = 0.0
        self.torn: TornRound | None = None  # reports tears whose card left (agent.torn)
        self.zreports: ReportRound | None = None  # closed shifts' reports (agent.zreports)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ledger-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def round(self) -> None:
        """One round: the hotlist when due, then the outbox. Raises LedgerUnavailable."""
        now = time.monotonic()
        torn_due = now >= self._hotlist_due  # asked about at the hotlist's pace
        if now >= self._hotlist_due:
            self.syncer.refresh_hotlist()
            self.syncer.refresh_kit()
            self._hotlist_due = now + self.hotlist_s
        self.syncer.flush()
        if self.torn is not None and self.torn.round(poll=torn_due):
            self.syncer.flush()  # those the ledger applied: their resend answers `exists`
        if self.zreports is not None:
            self.zreports.round()
        self.syncer.outbox.prune_done(DONE_KEPT)

    def _run(self) -> None:
        pause = self.interval_s
        while not self._stop.is_set():
            try:
                self.round()
                pause = self.interval_s
            except LedgerUnavailable as exc:
                log.warning("ledger unavailable, transactions stay queued: %s", exc)
                pause = min(self.backoff_max_s, pause * 2)
            except Exception:  # a bug must not kill the loop that carries the money home
                log.exception("sync round failed")
                pause = min(self.backoff_max_s, pause * 2)
            self.wake.wait(pause)
            self.wake.clear()
