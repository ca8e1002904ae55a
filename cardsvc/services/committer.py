"""Group commit: concurrent submissions are gathered into one batch, applied by the core and
committed in one database transaction; each submitter is answered once its batch is durable.

One committer thread per process. It never waits to fill a group: it takes whatever arrived
while the previous commit ran (natural batching), so a lone request pays one commit and a
burst shares one. The queue is bounded; when it is full, `submit` refuses at once (the API
answers 503) instead of letting latency grow without limit.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from cardsvc.core import BATCH_MAX, Policy
from cardsvc.services.ingest import Submission, SubmissionResult, commit_group
from cardsvc.services.isolation import Outcome, PoisonMemory, commit_apart
from cardsvc.storage.faults import Fault
from cardsvc.storage.unit_of_work import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4  # a group that conflicts with another worker is retried this many times


class Overloaded(Exception):
    """The committer's queue is full: shed load rather than queue without bound."""


class GroupCommitter:
    def __init__(
        self,
        db: Database,
        policy: Policy,
        *,
        clock: Callable[[], int] = lambda: int(time.time()),
        max_tx: int = 8192,
        queue_max: int = 4096,
    ) -> None:
        # A group becomes one core batch (card-mirror blocks stand in for refused replays).
        assert 0 < max_tx <= BATCH_MAX, "a group is one core batch"
        self.db, self.policy, self.clock = db, policy, clock
        self.max_tx = max_tx
        self._queue: queue.Queue[Submission | None] = queue.Queue(maxsize=queue_max)
        self._thread: threading.Thread | None = None
        self._carry: Submission | None = None
        self.groups_committed = 0
        self.tx_committed = 0
        self.poison = PoisonMemory()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, sub: Submission) -> Future[SubmissionResult]:
        assert 0 < len(sub.txs) <= self.max_tx
        failed = self.poison.recall(sub)
        if failed is not None:  # failed alone before: answered without the database
            sub.future.set_exception(failed)
            return sub.future
        try:
            self._queue.put_nowait(sub)
        except queue.Full as exc:
            raise Overloaded("the ledger is overloaded; retry shortly") from exc
        return sub.future

    def _run(self) -> None:
        while True:
            group = self._next_group()
            if group is None:
                return
            self.commit(group)

    def _next_group(self) -> list[Submission] | None:
        first = self._carry or self._queue.get()
        self._carry = None
        if first is None:
            return None
        group, size = [first], len(first.txs)
        while size < self.max_tx:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                self._queue.put(None)  # stop after this group
                break
            if size + len(nxt.txs) > self.max_tx:
                self._carry = nxt
                break
            group.append(nxt)
            size += len(nxt.txs)
        return group

    def commit(self, group: list[Submission]) -> None:
        """Commit one group now and answer its submissions (the committer thread calls this)."""
        # A submission that fails for a reason of its own is isolated (services.isolation).
        commit_apart(group, self._attempt, self._answer, self.db.classify, self.poison)

    def _attempt(self, group: list[Submission]) -> list[Outcome]:
        """One group in one transaction; conflicts with other workers are retried (nothing was
        written: the whole group is re-read and re-applied). Other failures are raised."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.db.write() as uow:
                    outcomes = commit_group(uow, group, self.clock(), self.policy)
                self.groups_committed += 1
                return outcomes
            except Exception as exc:
                if attempt == MAX_ATTEMPTS or self.db.classify(exc) is not Fault.RETRY:
                    raise
                log.warning("group commit attempt %d failed: %s", attempt, exc)
        raise AssertionError("unreachable")

    def _answer(self, group: list[Submission], outcomes: list[Outcome]) -> None:
        for sub, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, Exception):
                sub.future.set_exception(outcome)
            else:
                self.tx_committed += len(outcome.results)
                sub.future.set_result(outcome)
