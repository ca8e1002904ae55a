"""Finance read models over the journal: postings summed per local day (Asia/Ho_Chi_Minh is
UTC+7 all year, so a day is (at + 7 h) // 86400 on both engines), by account, program and store;
the opening liability before a date; the journal rows of a period. Reads only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, literal, select

from cardsvc.storage.schema import card_mirror, instruments, postings, stores, transactions

DAY_S = 86_400
LOCAL_OFFSET_S = 7 * 3600  # Asia/Ho_Chi_Minh has kept UTC+7 without summer time since 1975


def _day(column: Any) -> Any:
    return (column + LOCAL_OFFSET_S) // DAY_S  # integer division on both engines


class FinanceRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def store_names(self) -> dict[str, str]:
        return {r.id: r.name for r in self.conn.execute(select(stores.c.id, stores.c.name))}

    def liability_before(self, at: int, store: str | None) -> list[tuple[str, str, str, int]]:
        """(program, issuing store, unit, outstanding) from every posting before `at`."""
        p, i = postings.c, instruments.c
        q = (
            select(i.program_id, i.store_id, p.unit, func.sum(p.amount))
            .select_from(postings)
            .join(instruments, p.account == literal("i:") + i.id)
            .where(p.at < at)
            .group_by(i.program_id, i.store_id, p.unit)
        )
        if store is not None:
            q = q.where(i.store_id == store)
        return [(a, b or "", c, int(d)) for a, b, c, d in self.conn.execute(q)]

    def liability_moves(
        self, start: int, end: int, store: str | None
    ) -> list[tuple[int, str, str, str, int]]:
        """(local day number, program, issuing store, unit, change of liability) per day."""
        p, i = postings.c, instruments.c
        day = _day(p.at).label("day")
        q = (
            select(day, i.program_id, i.store_id, p.unit, func.sum(p.amount))
            .select_from(postings)
            .join(instruments, p.account == literal("i:") + i.id)
            .where(p.at >= start, p.at < end)
            .group_by(day, i.program_id, i.store_id, p.unit)
        )
        if store is not None:
            q = q.where(i.store_id == store)
        return [(int(d), a, b or "", u, int(s)) for d, a, b, u, s in self.conn.execute(q)]

    def flows(
        self, start: int, end: int, store: str | None, *, by_issuer: bool = False
    ) -> list[tuple[int, str, str, str, str, int]]:
        """(local day, other-side account, program, store, unit, sum) of the postings that are
        not on instrument accounts: cash taken, value redeemed, promotions given, breakage
        recognised. The store is where it happened, or with `by_issuer` where the instrument
        was issued (breakage belongs to the store that sold the value)."""
        p, t, i = postings.c, transactions.c, instruments.c
        day = _day(p.at).label("day")
        at_store = i.store_id if by_issuer else t.store_id
        q = (
            select(day, p.account, i.program_id, at_store, p.unit, func.sum(p.amount))
            .select_from(postings)
            .join(transactions, t.id == p.tx_id)
            .join(instruments, i.id == t.instrument_id)
            .where(p.at >= start, p.at < end, ~p.account.like("i:%"))
            .group_by(day, p.account, i.program_id, at_store, p.unit)
        )
        if store is not None:
            q = q.where(at_store == store)
        return [(int(d), a, g, s or "", u, int(v)) for d, a, g, s, u, v in self.conn.execute(q)]

    def journal(self, start: int, end: int, store: str | None, limit: int) -> list[dict[str, Any]]:
        """Every posting of the period with its transaction, in order (the journal export)."""
        p, t = postings.c, transactions.c
        q = (
            select(p.id, p.tx_id, p.account, p.unit, p.amount, p.at, t.op, t.store_id,
                   t.instrument_id, t.terminal_id)
            .select_from(postings)
            .join(transactions, t.id == p.tx_id)
            .where(p.at >= start, p.at < end)
            .order_by(p.at, p.id)
            .limit(limit)
        )  # fmt: skip
        if store is not None:
            q = q.where(t.store_id == store)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def lapsed(self, now: int, store: str | None, limit: int) -> list[str]:
        """Instruments whose validity has ended with value left on them, not yet expired."""
        i = instruments.c
        q = (
            select(i.id)
            .where(i.valid_until.is_not(None), i.valid_until <= now, i.status == "active",
                   i.balance > 0, i.unit == "VND")
            .order_by(i.valid_until, i.id)
            .limit(limit)
        )  # fmt: skip
        if store is not None:
            q = q.where(i.store_id == store)
        return [r.id for r in self.conn.execute(q)]

    def shadows(self, store: str | None, limit: int) -> list[dict[str, Any]]:
        """Purse cards whose last reported value differs from the ledger's balance."""
        m, i = card_mirror.c, instruments.c
        q = (
            select(m.uid, m.instrument_id, m.counter, m.value, m.updated_at, i.balance, i.status)
            .join(instruments, i.id == m.instrument_id)
            .where(m.value != i.balance)
            .order_by(m.updated_at.desc())
            .limit(limit)
        )
        if store is not None:
            q = q.where(i.store_id == store)
        return [dict(r._mapping) for r in self.conn.execute(q)]
