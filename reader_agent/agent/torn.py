"""Torn operations whose card left and did not come back to this till: told to the ledger.

The outbox keeps a torn purse operation in state `card` until the card is tapped here again,
and that may never happen. After `after_s` the till reports it (once) with the evidence the
card would carry had it committed; the card's next appearance at any till settles it at the
ledger (cardsvc.services.torn). The till then asks where each stands and settles its own entry:
applied or sent -> ready (its resend answers `exists`), cancelled -> cancelled, refused ->
unresolved (an operator looks).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from reader_agent.agent.localdb import LocalDb
from reader_agent.agent.outbox import Outbox, State
from reader_agent.agent.sync import LedgerUnavailable

REPORT_MAX = 100  # per round (the ledger takes at most 100 per request)
_SETTLED = {"committed": State.READY, "sent": State.READY, "cancelled": State.CANCELLED,
            "refused": State.UNRESOLVED}  # fmt: skip


class TornReporter:
    def __init__(self, db: LocalDb, outbox: Outbox, client: LedgerClient,
                 clock: Callable[[], int], after_s: int) -> None:  # fmt: skip
        self.db, self.outbox, self.client, self.clock = db, outbox, client, clock
        self.after_s = after_s

    def round(self, poll: bool = True) -> int:
        """Report new tears; when `poll`, ask about those reported before; settle what the
        ledger has settled. How many entries it settled."""
        stale = self.outbox.stale_on_card(self.clock() - self.after_s, REPORT_MAX)
        if not stale:
            return 0
        with self.db.read() as conn:
            told = {r[0] for r in conn.execute("SELECT tx_id FROM torn_reported")}
        fresh = [e for e in stale if e.id not in told]
        try:
            states = self.client.report_torn([e.msg for e in fresh]) if fresh else {}
            if fresh:
                with self.db.write() as conn:
                    conn.executemany("INSERT OR IGNORE INTO torn_reported (tx_id) VALUES (?)",
                                     [(e.id,) for e in fresh])  # fmt: skip
            older = [e.id for e in stale if e.id in told]
            if older and poll:
                states.update(self.client.torn_states(older))
        except (httpx.HTTPError, LedgerRefused) as exc:
            raise LedgerUnavailable(f"torn operations: {exc}") from exc
        settled = 0
        for entry in stale:
            state = _SETTLED.get(states.get(entry.id, "open"))
            if state is not None:
                self.outbox.settle_card(entry.seq, state)
                settled += 1
        return settled
