"""Feedback from receipts and the follow-up cases low ratings open."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from cardsvc.storage.customer_tables import case_notes, feedback, followup_cases
from cardsvc.storage.schema import stores, transactions

LIST_MAX = 1000


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    receipt_id: str
    store_id: str
    customer_id: str | None
    rating: int
    comment: str
    lang: str
    at: int


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    receipt_id: str
    store_id: str
    customer_id: str | None
    rating: int
    status: str
    opened_at: int
    contacted_at: int | None
    resolved_at: int | None


@dataclass(frozen=True, slots=True)
class NoteRow:
    status: str
    note: str
    by_whom: str
    at: int


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    """The sale a receipt QR names, as the journal has it."""

    tx_id: str
    store_id: str
    instrument_id: str
    op: str
    code: str
    at: int


_FB = [feedback.c[n] for n in FeedbackRow.__slots__]
_CASE = [followup_cases.c[n] for n in CaseRow.__slots__]


class FeedbackRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def receipt(self, tx_id: str) -> ReceiptRow | None:
        t = transactions.c
        q = select(t.id, t.store_id, t.instrument_id, t.op, t.code,
                   t.occurred_at, t.at).where(t.id == tx_id)
        r = self.conn.execute(q).first()
        if r is None:
            return None
        return ReceiptRow(r[0], r[1], r[2], r[3], r[4], int(r[5] if r[5] is not None else r[6]))

    def store_name(self, store_id: str) -> str | None:
        found = self.conn.execute(select(stores.c.name).where(stores.c.id == store_id)).first()
        return None if found is None else str(found[0])

    def add(self, row: FeedbackRow) -> bool:
        """False when the receipt was answered already (one answer per receipt)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(feedback).values(
                    **{n: getattr(row, n) for n in FeedbackRow.__slots__}))
        except IntegrityError:
            return False
        return True

    def get(self, receipt_id: str) -> FeedbackRow | None:
        r = self.conn.execute(select(*_FB).where(feedback.c.receipt_id == receipt_id)).first()
        return None if r is None else FeedbackRow(*r)

    def of_customer(self, customer_id: str) -> list[FeedbackRow]:
        q = select(*_FB).where(feedback.c.customer_id == customer_id).limit(LIST_MAX)
        return [FeedbackRow(*r) for r in self.conn.execute(q)]

    def scrub(self, customer_id: str) -> None:
        self.conn.execute(update(feedback).where(feedback.c.customer_id == customer_id)
                          .values(comment=""))  # fmt: skip

    def move(self, from_id: str, to_id: str) -> None:
        for table in (feedback, followup_cases):
            self.conn.execute(update(table).where(table.c.customer_id == from_id)
                              .values(customer_id=to_id))  # fmt: skip

    # --- follow-up cases -----------------------------------------------------------------------

    def open_case(self, receipt_id: str, store: str, customer: str | None, rating: int,
                  at: int) -> int:  # fmt: skip
        done = self.conn.execute(insert(followup_cases).values(
            receipt_id=receipt_id, store_id=store, customer_id=customer, rating=rating,
            status="open", opened_at=at))  # fmt: skip
        key = done.inserted_primary_key
        assert key is not None
        return int(key[0])

    def case(self, case_id: int, *, for_update: bool = False) -> CaseRow | None:
        q = select(*_CASE).where(followup_cases.c.id == case_id)
        if for_update:
            q = q.with_for_update()
        r = self.conn.execute(q).first()
        return None if r is None else CaseRow(*r)

    def cases(self, store: str | None, statuses: list[str], limit: int) -> list[CaseRow]:
        c = followup_cases.c
        q = select(*_CASE).where(c.status.in_(statuses))
        if store is not None:
            q = q.where(c.store_id == store)
        q = q.order_by(c.store_id, c.opened_at, c.id).limit(min(limit, LIST_MAX))
        return [CaseRow(*r) for r in self.conn.execute(q)]

    def move_case(self, case_id: int, status: str, at: int) -> None:
        values: dict[str, object] = {"status": status}
        if status == "contacted":
            values["contacted_at"] = at
        if status == "resolved":
            values["resolved_at"] = at
        self.conn.execute(update(followup_cases).where(followup_cases.c.id == case_id)
                          .values(**values))  # fmt: skip

    def note(self, case_id: int, status: str, note: str, by: str, at: int) -> None:
        self.conn.execute(insert(case_notes).values(case_id=case_id, status=status, note=note,
                                                    by_whom=by, at=at))  # fmt: skip

    def notes(self, case_id: int) -> list[NoteRow]:
        n = case_notes.c
        q = (select(n.status, n.note, n.by_whom, n.at).where(n.case_id == case_id)
             .order_by(n.id).limit(LIST_MAX))  # fmt: skip
        return [NoteRow(*r) for r in self.conn.execute(q)]
