"""The durable, bounded outbox: every transaction the agent makes, before it is first sent.

Exactly once: the transaction id and the terminal sequence number are chosen and committed
(synchronous=FULL) together with the exact message body before anything is sent or any card
is touched. Every send, the first and every retry after a crash, reads that same body, so a
resend of something the ledger already applied gets `exists` (or its first refusal), never a
second application.

Life of an entry:
  card       a purse operation is about to change (or changed) the card; its PendingOperation
             is the tear journal. Settled on the card: committed -> ready, not -> cancelled,
             moved on in a way the record does not explain -> unresolved (kept for an operator).
  ready      to send, in sequence order (a card's counters must reach the ledger in order).
  done       the ledger answered (code, balance_after), whatever the answer was.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cardsvc.protocol.messages import ResultMsg, TransactionMsg
from reader_agent.agent.localdb import LocalDb
from reader_agent.cards.purse_recovery import PendingOperation

MessageBuilder = Callable[[str, int], TransactionMsg]  # (id, seq) -> message


class State(StrEnum):
    CARD = "card"
    READY = "ready"
    DONE = "done"
    CANCELLED = "cancelled"
    UNRESOLVED = "unresolved"


class OutboxFull(Exception):
    """The queue holds as many unsent transactions as it may: refuse new work, lose nothing."""


@dataclass(frozen=True)
class Entry:
    seq: int
    id: str
    msg: TransactionMsg
    state: State
    uid: str | None
    pending: PendingOperation | None
    must_complete: bool
    offline: bool
    created_at: int
    code: str | None
    balance_after: int | None
    loyalty: dict[str, Any] | None = None  # loyalty operations: the ledger's points answer


_COLUMNS = (
    "seq, id, body, state, uid, pending_card, must_complete, offline, created_at, code, "
    "balance_after, loyalty"
)


def _entry(row: tuple[Any, ...]) -> Entry:
    seq, tx_id, body, state, uid, pending, must, offline, created, code, balance, loyal = row
    return Entry(
        seq, tx_id, TransactionMsg.model_validate_json(body), State(state), uid,
        PendingOperation.from_json(json.loads(pending)) if pending else None,
        bool(must), bool(offline), created, code, balance,
        json.loads(loyal) if loyal else None,
    )  # fmt: skip


class Outbox:
    def __init__(self, db: LocalDb, max_unsent: int, clock: Callable[[], int]) -> None:
        self.db, self.max_unsent, self.clock = db, max_unsent, clock

    def reserve(
        self,
        build: MessageBuilder,
        *,
        on_card: PendingOperation | None = None,
        must_complete: bool = False,
        offline: bool = False,
        shift_id: int | None = None,
        request_id: str | None = None,
    ) -> Entry:
        """Choose id and sequence, build the message and commit it; nothing is sent yet."""
        with self.db.write() as conn:
            unsent = conn.execute(
                "SELECT count(*) FROM outbox WHERE state IN ('card', 'ready')"
            ).fetchone()[0]
            if unsent >= self.max_unsent:
                raise OutboxFull(f"{unsent} transactions wait for the ledger; the queue is full")
            seq = int(conn.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()[0])
            conn.execute("UPDATE meta SET value = ? WHERE key = 'next_seq'", (str(seq + 1),))
            msg = build(uuid.uuid4().hex, seq)
            state = State.CARD if on_card is not None else State.READY
            uid = msg.card.uid if msg.card is not None else None
            pending = json.dumps(on_card.to_json()) if on_card is not None else None
            now = self.clock()
            conn.execute(
                "INSERT INTO outbox (seq, id, request_id, body, state, op, instrument, amount, "
                "uid, pending_card, must_complete, offline, shift_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, (SELECT id FROM shifts "
                "WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1)), ?)",  # the open shift's
                (seq, msg.id, request_id, msg.model_dump_json(exclude_defaults=True), state,
                 msg.op, msg.instrument, msg.amount, uid, pending, int(must_complete),
                 int(offline), shift_id, now),
            )  # fmt: skip
        return Entry(seq, msg.id, msg, state, uid, on_card, must_complete, offline, now, None, None)

    def settle_card(self, seq: int, state: State) -> None:
        """The card outcome of an entry in state `card` is known: ready, cancelled, unresolved.

        Not fsync'd (one fsync less per tap): if a power cut loses it, the entry is back in
        `card` and the card's next tap settles it again, to the same outcome."""
        if state not in (State.READY, State.CANCELLED, State.UNRESOLVED):
            raise ValueError(f"a card outcome cannot make an entry {state}")
        with self.db.write(fsync=False) as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, pending_card = CASE WHEN ? = 'ready' THEN NULL "
                "ELSE pending_card END WHERE seq = ? AND state = 'card'",
                (state, state, seq),
            )

    def record_results(self, results: Sequence[ResultMsg]) -> None:
        """The ledger's answers: each entry becomes done with its code (one durable write)."""
        now = self.clock()
        with self.db.write() as conn:
            conn.executemany(
                "UPDATE outbox SET state = 'done', code = ?, balance_after = ?, sent_at = ?, "
                "loyalty = ? WHERE id = ? AND seq = ? AND state = 'ready'",
                [(r.code, r.balance_after, now,
                  r.loyalty.model_dump_json() if r.loyalty is not None else None, r.id, r.seq)
                 for r in results],
            )  # fmt: skip

    # --- reads ---------------------------------------------------------------------------------
    def _select(self, where: str, params: tuple[Any, ...], limit: int) -> list[Entry]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE {where} ORDER BY seq LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [_entry(r) for r in rows]

    def ready(self, limit: int) -> list[Entry]:
        """The entries to send, oldest first."""
        return self._select("state = 'ready'", (), limit)

    def on_card(self, uid: str, limit: int = 100) -> list[Entry]:
        """Entries waiting for this card to tell whether they happened (tear recovery)."""
        return self._select("state = 'card' AND uid = ?", (uid,), limit)

    def stale_on_card(self, created_before: int, limit: int = 100) -> list[Entry]:
        """Entries whose card left mid-operation and has not come back since `created_before`."""
        return self._select("state = 'card' AND created_at <= ?", (created_before,), limit)

    def unsettled_uids(self, limit: int = 1000) -> list[str]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT uid FROM outbox WHERE state = 'card' LIMIT ?", (limit,)
            ).fetchall()
        return [r[0] for r in rows]

    def get(self, tx_id: str) -> Entry | None:
        found = self._select("id = ?", (tx_id,), 1)
        return found[0] if found else None

    def by_request(self, request_id: str) -> Entry | None:
        """The latest entry made for a front-end request id (a retried sale finds its tap)."""
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE request_id = ? ORDER BY seq DESC LIMIT 1",
                (request_id,),
            ).fetchone()
        return None if row is None else _entry(row)

    def count(self, state: State) -> int:
        with self.db.read() as conn:
            row = conn.execute("SELECT count(*) FROM outbox WHERE state = ?", (state,)).fetchone()
        return int(row[0])

    def oldest_unsent_at(self) -> int | None:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT min(created_at) FROM outbox WHERE state IN ('card', 'ready')"
            ).fetchone()
        return None if row[0] is None else int(row[0])

    def offline_spent(
        self, *, uid: str | None = None, shift_id: int | None = None, unsynced: bool = False
    ) -> int:
        """Offline redemptions that took value off cards (cancelled ones excluded)."""
        where = ["offline = 1", "op = 'redeem'", "state NOT IN ('cancelled')"]
        params: list[Any] = []
        if uid is not None:
            where.append("uid = ?")
            params.append(uid)
        if shift_id is not None:
            where.append("shift_id = ?")
            params.append(shift_id)
        if unsynced:
            where.append("state IN ('card', 'ready')")
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT coalesce(sum(amount), 0) FROM outbox WHERE {' AND '.join(where)}",
                tuple(params),
            ).fetchone()
        return int(row[0])

    def admissions(self, instrument: str) -> tuple[int, int | None]:
        """Entries this terminal admitted for an instrument (a redemption not refused: sent
        and accepted, or waiting to be sent) and when the latest one happened."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT count(*), max(created_at) FROM outbox WHERE instrument = ? AND "
                "op = 'redeem' AND (state = 'ready' OR (state = 'done' AND code IN "
                "('ok', 'exists')))",
                (instrument,),
            ).fetchone()
        return int(row[0]), None if row[1] is None else int(row[1])

    def prune_done(self, keep: int) -> int:
        """Forget the oldest answered entries beyond the newest `keep` (bounded table)."""
        with self.db.write() as conn:
            cursor: sqlite3.Cursor = conn.execute(
                "DELETE FROM outbox WHERE state IN ('done', 'cancelled') AND seq < ("
                "SELECT coalesce(min(seq), 0) FROM (SELECT seq FROM outbox "
                "WHERE state IN ('done', 'cancelled') ORDER BY seq DESC LIMIT ?))",
                (keep,),
            )
        return cursor.rowcount
