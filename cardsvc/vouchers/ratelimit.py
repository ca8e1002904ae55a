"""Token buckets per client: the customer pages' defence against guessing codes.

Each client (address) has a bucket of `burst` tokens refilled at `per_minute` tokens a minute; a
look-up takes one. The buckets live in the database (storage.rate_limits), so the limit holds
across every worker and process of the service, and a restart forgets nothing. Counts are
integer thousandths of a token and times epoch milliseconds: no float is stored.

A bucket that has refilled holds no information and is deleted, so the table stays as small
as the set of clients seen within one refill period.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cardsvc.storage.unit_of_work import Database

MILLI = 1000


def refill_and_take(
    tokens_milli: int, updated_ms: int, now_ms: int, burst: int, per_minute: float
) -> tuple[int, float]:
    """The bucket after one look-up at `now_ms`, and 0.0 if it was allowed, else the seconds
    until a token is free (nothing is taken then)."""
    rate_milli_per_ms = per_minute * MILLI / 60_000.0
    elapsed = max(0, now_ms - updated_ms)
    tokens = min(burst * MILLI, tokens_milli + int(elapsed * rate_milli_per_ms))
    if tokens >= MILLI:
        return tokens - MILLI, 0.0
    return tokens, (MILLI - tokens) / rate_milli_per_ms / 1000.0


class SharedBuckets:
    """The customer page's guess limit, one bucket per client, kept in the database."""

    def __init__(
        self,
        db: Database,
        burst: int,
        per_minute: float,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        *,
        prefix: str = "public",
    ) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("burst >= 1 and per_minute > 0")
        self.db, self.burst, self.per_minute, self.clock_ms = db, burst, per_minute, clock_ms
        self.prefix = prefix  # one family of buckets per page family
        self.refill_ms = int(burst * 60_000 / per_minute) + 1  # empty to full

    def take(self, client: str) -> float:
        """Take a token for `client`: 0.0 if allowed, else the seconds until one is free."""
        now = self.clock_ms()
        key = f"{self.prefix}:{client}"[:80]
        with self.db.write() as uow:
            repo = uow.rate_limits
            tokens, updated = repo.load(key, self.burst * MILLI, now)
            tokens, wait = refill_and_take(tokens, updated, now, self.burst, self.per_minute)
            repo.save(key, tokens, max(now, updated))
            repo.forget_before(now - self.refill_ms)
        return wait
