"""The message outbox: rows behind `cardsvc.customers.outbox`.

A message is claimed with a lease before it is sent (status `sending`, `lease_until`), so two
outbox workers never send the same message, and a worker that died mid-send gives it back when
the lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from cardsvc.storage.customer_tables import messages

LIST_MAX = 1000


@dataclass(frozen=True, slots=True)
class MessageRow:
    key: str
    customer_id: str
    kind: str
    channel: str
    lang: str
    address: str
    subject: str
    body: str
    status: str
    attempts: int
    next_at: int
    lease_until: int | None
    last_error: str | None
    created_at: int
    sent_at: int | None


_COLS = [messages.c[n] for n in MessageRow.__slots__]


class MessageRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def enqueue(self, row: MessageRow) -> bool:
        """Add a message; False when one with its key exists (it is sent once, not again)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(messages).values(
                    **{n: getattr(row, n) for n in MessageRow.__slots__}))
        except IntegrityError:
            return False
        return True

    def get(self, key: str) -> MessageRow | None:
        r = self.conn.execute(select(*_COLS).where(messages.c.key == key)).first()
        return None if r is None else MessageRow(*r)

    def claim_due(self, now: int, lease_s: int, limit: int) -> list[MessageRow]:
        """Take up to `limit` due messages (pending, or sending with a lapsed lease) for this
        worker: each claimed row is leased until now + lease_s."""
        m = messages.c
        due = or_(m.status == "pending", (m.status == "sending") & (m.lease_until <= now))
        q = (select(m.key).where(due, m.next_at <= now).order_by(m.next_at, m.key)
             .limit(min(limit, LIST_MAX)))  # fmt: skip
        if self.conn.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        keys = [r[0] for r in self.conn.execute(q)]
        if not keys:
            return []
        self.conn.execute(update(messages).where(m.key.in_(keys), due)
                          .values(status="sending", lease_until=now + lease_s))  # fmt: skip
        q2 = select(*_COLS).where(m.key.in_(keys), m.lease_until == now + lease_s,
                                  m.status == "sending").order_by(m.next_at, m.key)
        return [MessageRow(*r) for r in self.conn.execute(q2)]

    def mark_sent(self, key: str, at: int) -> None:
        self.conn.execute(update(messages).where(messages.c.key == key).values(
            status="sent", sent_at=at, lease_until=None, attempts=messages.c.attempts + 1))

    def mark_retry(self, key: str, next_at: int, error: str, *, final: bool) -> None:
        self.conn.execute(update(messages).where(messages.c.key == key).values(
            status="failed" if final else "pending", next_at=next_at, lease_until=None,
            last_error=error[:2000], attempts=messages.c.attempts + 1))  # fmt: skip

    def mark_skipped(self, key: str, why: str) -> None:
        self.conn.execute(update(messages).where(messages.c.key == key).values(
            status="skipped", lease_until=None, last_error=why[:2000]))

    def skip_pending_of(self, customer_id: str, why: str) -> None:
        """Consent withdrawn or the person erased: nothing queued for them goes out."""
        m = messages.c
        self.conn.execute(update(messages)
                          .where(m.customer_id == customer_id, m.status == "pending")
                          .values(status="skipped", last_error=why))  # fmt: skip

    def of_customer(self, customer_id: str) -> list[MessageRow]:
        q = (select(*_COLS).where(messages.c.customer_id == customer_id)
             .order_by(messages.c.created_at).limit(LIST_MAX))  # fmt: skip
        return [MessageRow(*r) for r in self.conn.execute(q)]

    def scrub(self, customer_id: str) -> None:
        """Erasure: keep that a message was sent, not to where or what it said."""
        self.conn.execute(update(messages).where(messages.c.customer_id == customer_id)
                          .values(address="", subject="", body=""))  # fmt: skip

    def move(self, from_id: str, to_id: str) -> None:
        self.conn.execute(update(messages).where(messages.c.customer_id == from_id)
                          .values(customer_id=to_id))  # fmt: skip

    def counts(self) -> dict[str, int]:
        q = select(messages.c.status, func.count()).group_by(messages.c.status)
        return {str(r[0]): int(r[1]) for r in self.conn.execute(q)}
