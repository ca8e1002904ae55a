"""Purse card keys from the keystore, by the one scheme of reader_agent.cards.key_scheme.

The masters (AES-128, one per (AID, key number)) never leave the keystore (in an HSM the
derivation runs inside the token); the derived per-card key is what the DESFire session needs.
Derived keys are kept in a small bounded cache because a file keystore re-reads and re-checks
its file on every use, which would cost more than the whole card exchange.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from keys.keystore import Keystore
from reader_agent.cards.key_scheme import KeyScheme

CACHE_MAX = 256  # cards; four keys each


class KeystoreCardKeys:
    """A reader_agent.cards.purse.CardKeyProvider over a keystore."""

    def __init__(
        self, keystore: Keystore, scheme: KeyScheme, version: int, cache_max: int = CACHE_MAX * 4
    ) -> None:
        self.keystore, self.scheme, self.version = keystore, scheme, version
        self.cache_max = cache_max
        self._cache: OrderedDict[tuple[bytes, bytes, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, uid: bytes, aid: bytes, key_no: int) -> bytes:
        label = self.scheme.label(aid, key_no)
        wanted = (uid, aid, key_no)
        with self._lock:
            key = self._cache.get(wanted)
            if key is not None:
                self._cache.move_to_end(wanted)
                return key
        key = self.keystore.derive_card_key(label, self.version, uid, aid, self.scheme.system_id)
        with self._lock:
            self._cache[wanted] = key
            while len(self._cache) > self.cache_max:
                self._cache.popitem(last=False)
        return key
