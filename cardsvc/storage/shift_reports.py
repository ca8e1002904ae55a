"""Shift (Z) reports the counters send when a shift closes (revision 0010): one row per shift
of a terminal, kept exactly once (the terminal, its shift number and when the shift opened are
unique), with the store the terminal belongs to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    String,
    Table,
    UniqueConstraint,
    insert,
    select,
)

from cardsvc.core.bounds import BALANCE, EPOCH, OPS_COUNT, POSTING, ROW_ID
from cardsvc.storage.schema import AUTO_ID, ID, bounded, metadata

LIST_MAX = 2_000

shift_reports = Table(
    "shift_reports",
    metadata,
    Column("id", AUTO_ID, primary_key=True, autoincrement=True, info=bounded(ROW_ID)),
    Column("terminal_id", String(ID), nullable=False),
    Column("store_id", String(ID), nullable=False),
    Column("shift_no", BigInteger, nullable=False, info=bounded(ROW_ID)),  # the till's own
    Column("staff", String(64), nullable=False),
    Column("opened_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("closed_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("opening_float", BigInteger, nullable=False, info=bounded(BALANCE)),
    Column("cash_sold", BigInteger, nullable=False, info=bounded(BALANCE)),
    Column("refunds", BigInteger, nullable=False, info=bounded(OPS_COUNT)),
    Column("refunded", BigInteger, nullable=False, info=bounded(BALANCE)),
    Column("expected_cash", BigInteger, nullable=False, info=bounded(BALANCE)),
    Column("counted_cash", BigInteger, info=bounded(BALANCE)),  # None: not counted
    Column("difference", BigInteger, info=bounded(POSTING)),  # counted - expected
    Column("operations", BigInteger, nullable=False, info=bounded(OPS_COUNT)),
    Column("received_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    UniqueConstraint(
        "terminal_id", "shift_no", "opened_at", name="uq_shift_reports_terminal_shift"
    ),
)
Index("ix_shift_reports_closed", shift_reports.c.closed_at)


class ShiftReportRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def find(self, terminal_id: str, shift_no: int, opened_at: int) -> dict[str, Any] | None:
        c = shift_reports.c
        q = select(shift_reports).where(c.terminal_id == terminal_id, c.shift_no == shift_no,
                                        c.opened_at == opened_at)  # fmt: skip
        row = self.conn.execute(q).first()
        return None if row is None else dict(row._mapping)

    def add(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(shift_reports).values(**row))

    def closed_between(self, start: int, end: int, store: str | None) -> list[dict[str, Any]]:
        """The reports of shifts closed in [start, end), oldest first (at most LIST_MAX)."""
        c = shift_reports.c
        q = select(shift_reports).where(c.closed_at >= start, c.closed_at < end)
        if store is not None:
            q = q.where(c.store_id == store)
        q = q.order_by(c.closed_at, c.terminal_id, c.shift_no).limit(LIST_MAX)
        return [dict(r._mapping) for r in self.conn.execute(q)]
