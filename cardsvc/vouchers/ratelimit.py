"""Token buckets per client: the customer pages' defence against guessing codes.

Each client (address) has a bucket of `burst` tokens refilled at `rate` tokens a second; a
look-up takes one. The table of buckets is bounded: the least recently seen client is
forgotten first (an attacker rotating addresses gains nothing from that, since a forgotten
client starts with a full bucket no larger than a new one's).
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class TokenBuckets:
    def __init__(self, burst: int, rate_per_s: float, max_clients: int) -> None:
        if burst < 1 or rate_per_s <= 0 or max_clients < 1:
            raise ValueError("burst >= 1, rate > 0 and max_clients >= 1")
        self.burst, self.rate, self.max_clients = burst, rate_per_s, max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float) -> float:
        """Take a token for `client`: 0.0 if allowed, else the seconds until one is free."""
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + max(0.0, now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait

    def __len__(self) -> int:
        return len(self._buckets)
