"""What gates and kiosks share: QR validation without the ledger, a local tally of uses, and a
bounded queue of signed-later transactions that syncs when the ledger is reachable.

A device checks a payload offline (signature, key validity, time window, revocation list) and
what it has seen itself (uses, anti-passback). It cannot see other devices' uses: a voucher
shown at two offline devices is accepted at both, and the ledger sorts it out at sync (one
`ok`, the other `already_redeemed`, which finance sees in the offline-conflicts report).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cardsvc.protocol import qr
from cardsvc.protocol.client import LedgerClient
from cardsvc.protocol.limits import BATCH_MAX
from cardsvc.protocol.messages import ResultMsg, TransactionMsg
from keys.keyring import Keyring

TALLY_MAX = 1_000_000  # instruments remembered locally (oldest forgotten first)


class QueueFull(Exception):
    """The offline queue holds BATCH_MAX transactions: sync before accepting more."""


@dataclass(frozen=True)
class Decision:
    ok: bool
    reason: str  # a QrReason value, or already_redeemed / passback / wrong_kind / ...
    claims: qr.QrClaims | None = None
    amount: int = 0  # kiosks: what the voucher takes off the purchase

    def explain(self) -> str:
        try:
            return qr.EXPLANATIONS[qr.QrReason(self.reason)]
        except ValueError:
            return self.reason.replace("_", " ")


class OfflineDevice:
    def __init__(
        self, terminal_id: str, keyring: Keyring, clock: Callable[[], int],
        revoked: Iterable[str] = (), next_seq: int = 1,
    ) -> None:
        self.terminal_id, self.keyring, self.clock = terminal_id, keyring, clock
        self.revoked = frozenset(revoked)
        self.next_seq = next_seq  # a real device persists it with the queue
        self.queue: list[TransactionMsg] = []
        self.uses: dict[str, list[int]] = {}  # instrument -> times it was used here

    def refresh(self, keyring: Keyring, revoked: Iterable[str]) -> None:
        """New key set and revocation list (fetched while online)."""
        self.keyring, self.revoked = keyring, frozenset(revoked)

    def check(self, payload: str, kinds: set[qr.QrKind]) -> Decision:
        """Signature, key, window, revocation list, kind, and this device's own tally."""
        now = self.clock()
        result = qr.verify(qr.normalise_scan(payload), self.keyring, now, self.revoked)
        c = result.claims
        if not result.ok or c is None:
            return Decision(False, str(result.reason))
        if c.kind not in kinds:
            return Decision(False, "wrong_kind", c)
        seen = self.uses.get(c.instrument, [])
        if c.entries is not None and len(seen) >= c.entries:
            return Decision(False, "already_redeemed", c)
        if seen and now < seen[-1] + c.passback_s:
            return Decision(False, "passback", c)
        return Decision(True, "ok", c)

    def record(self, claims: qr.QrClaims, amount: int = 0, purchase_amount: int = 0) -> None:
        """Remember the use and queue its redemption for the ledger, stamped with our time."""
        if len(self.queue) >= BATCH_MAX:
            raise QueueFull("the offline queue is full: sync first")
        now = self.clock()
        if len(self.uses) >= TALLY_MAX and claims.instrument not in self.uses:
            self.uses.pop(next(iter(self.uses)))
        self.uses.setdefault(claims.instrument, []).append(now)
        self.queue.append(TransactionMsg(
            id=f"{self.terminal_id}-{uuid.uuid4().hex[:16]}", seq=self.next_seq, op="redeem",
            instrument=claims.instrument, amount=amount, purchase_amount=purchase_amount,
            occurred_at=now,
        ))
        self.next_seq += 1

    def sync(self, client: LedgerClient) -> list[ResultMsg]:
        """Send the queue as one signed batch. Resending after a lost answer is safe: the ledger
        answers each transaction id with its first result."""
        if not self.queue:
            return []
        results = client.submit(self.queue).results
        self.queue = []
        return results
