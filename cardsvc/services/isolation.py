"""Group-commit isolation: one submission that cannot be stored never fails the others.

A group is committed as one database transaction. When that fails for a reason of the work
itself (storage.faults: OWN, or a conflict that outlived its retries), the group is split in
halves and each half committed apart, down to the submission that fails alone: the others
commit with their results, the failing one is answered with its own error. At most 2n - 1
commits for a group of n, log2(n) deep; a healthy group pays nothing.

A submission that failed alone is remembered (bounded, for a while) by its content, so the
agent resending it (a new signature, the same transactions) is answered from the first failure
at once, without touching the database again: one faulty terminal cannot keep the committer
busy. When the database is unreachable no submission is to blame: the whole part is answered
503 and nothing is remembered.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from cardsvc.services.ingest import Submission, SubmissionResult
from cardsvc.storage.faults import DatabaseUnavailable, Fault

log = logging.getLogger(__name__)

Outcome = SubmissionResult | Exception
Attempt = Callable[[list[Submission]], list[Outcome]]
Answer = Callable[[list[Submission], list[Outcome]], None]

POISON_MAX = 1024  # submissions remembered as failing
POISON_TTL_S = 600.0  # ... for this long: a fix deployed later gets them through


class RequestFailed(Exception):
    """This submission cannot be stored (a defect, not the client's input); the others of its
    group were not affected. Sending it again gets the same answer without a new attempt."""

    code = "request_failed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class DatabaseBusy(DatabaseUnavailable):
    """Conflicts with other writers outlasted the retries: try again shortly."""

    retry_after_s = 1


class PoisonMemory:
    """Submissions that failed alone, by content (terminal, store, person and every field of
    every transaction; not the signature, which a resend renews). Thread-safe: the API's
    request threads ask, the committer thread tells."""

    def __init__(
        self,
        max_entries: int = POISON_MAX,
        ttl_s: float = POISON_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert max_entries > 0 and ttl_s > 0
        self.max_entries, self.ttl_s, self.clock = max_entries, ttl_s, clock
        self._known: OrderedDict[bytes, tuple[float, RequestFailed]] = OrderedDict()
        self._lock = threading.Lock()
        self.answered = 0  # resends answered from memory (a metric for operators)

    def remember(self, sub: Submission, failure: RequestFailed) -> None:
        with self._lock:
            key = fingerprint(sub)
            self._known.pop(key, None)
            self._known[key] = (self.clock() + self.ttl_s, failure)
            while len(self._known) > self.max_entries:
                self._known.popitem(last=False)

    def recall(self, sub: Submission) -> RequestFailed | None:
        """The first failure of an identical submission, if one is remembered and fresh."""
        if not self._known:  # the usual case: no lock, no hash
            return None
        with self._lock:
            key = fingerprint(sub)
            found = self._known.get(key)
            if found is None:
                return None
            if found[0] < self.clock():
                del self._known[key]
                return None
            self.answered += 1
            return found[1]

    def __len__(self) -> int:
        return len(self._known)


def fingerprint(sub: Submission) -> bytes:
    """What makes two submissions the same work: who sends it and every transaction field
    (pydantic and dataclass reprs list them all)."""
    actor = sub.actor
    text = repr((actor.terminal_id, actor.store_id, actor.by_user, [repr(m) for m in sub.txs]))
    return hashlib.sha256(text.encode()).digest()


def commit_apart(
    group: Sequence[Submission],
    attempt: Attempt,
    answer: Answer,
    classify: Callable[[BaseException], Fault],
    poison: PoisonMemory,
) -> None:
    """Commit `group` with `attempt` (which retries conflicts itself); answer every submission
    through `answer`, isolating the ones that fail for a reason of their own."""
    parts: list[list[Submission]] = [list(group)]
    while parts:  # bounded: every split halves a part, at most 2n - 1 parts in all
        part = parts.pop()
        try:
            outcomes = attempt(part)
        except Exception as exc:  # every failure is answered: nobody waits forever
            fault = classify(exc)
            if fault is Fault.UNAVAILABLE:
                answer(part, [_unavailable(exc)] * len(part))
            elif len(part) > 1:
                mid = len(part) // 2
                parts.extend([part[mid:], part[:mid]])  # the first half is committed first
            elif fault is Fault.RETRY:
                answer(part, [DatabaseBusy("the ledger is busy; retry shortly")])
            else:
                answer(part, [_failed_alone(part[0], exc, poison)])
            continue
        answer(part, outcomes)


def _unavailable(exc: Exception) -> Exception:
    return exc if isinstance(exc, DatabaseUnavailable) else DatabaseUnavailable()


def _failed_alone(sub: Submission, exc: Exception, poison: PoisonMemory) -> RequestFailed:
    log.error("a submission of terminal %s failed alone", sub.actor.terminal_id, exc_info=exc)
    failure = RequestFailed(
        f"this request could not be stored ({type(exc).__name__}); the others were not "
        "affected, and sending it again gets this same answer"
    )
    failure.__cause__ = exc
    poison.remember(sub, failure)
    return failure
