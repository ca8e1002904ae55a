"""Purse card keys from the keystore: AN10922 diversification of per-key-number masters.

The masters (AES-128, one per purse key number) never leave the keystore (in an HSM the
derivation runs inside the token); the derived per-card key is what the DESFire session needs.
Derived keys are kept in a small bounded cache because a file keystore re-reads and re-checks
its file on every use, which would cost more than the whole card exchange.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from keys.keystore import Keystore

CACHE_MAX = 256  # cards; three keys each


class KeystoreCardKeys:
    """A reader_agent.cards.purse.CardKeyProvider over a keystore."""

    def __init__(
        self,
        keystore: Keystore,
        labels: Sequence[str],
        version: int,
        system_id: bytes,
        cache_max: int = CACHE_MAX * 3,
    ) -> None:
        if not labels:
            raise ValueError("at least one card master key label is needed")
        self.keystore, self.labels, self.version = keystore, tuple(labels), version
        self.system_id, self.cache_max = system_id, cache_max
        self._cache: OrderedDict[tuple[bytes, bytes, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, uid: bytes, aid: bytes, key_no: int) -> bytes:
        if not 0 <= key_no < len(self.labels):
            raise ValueError(f"no card master key configured for key number {key_no}")
        wanted = (uid, aid, key_no)
        with self._lock:
            key = self._cache.get(wanted)
            if key is not None:
                self._cache.move_to_end(wanted)
                return key
        key = self.keystore.derive_card_key(
            self.labels[key_no], self.version, uid, aid, self.system_id
        )
        with self._lock:
            self._cache[wanted] = key
            while len(self._cache) > self.cache_max:
                self._cache.popitem(last=False)
        return key
