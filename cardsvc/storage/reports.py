"""Read models: instrument look-ups and history, the hotlist, liability, card alerts, the
postings sums clearing is made of, offline conflicts and check-ins. Reads only; the rules
that turn them into reports live in `cardsvc.services`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, literal, select

from cardsvc.core.accounts import instrument_account
from cardsvc.storage.schema import (
    card_alerts,
    instruments,
    postings,
    transactions,
    tx_reversals,
    voucher_codes,
)


class ReportRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- instruments ------------------------------------------------------------------------
    def instrument(self, instrument_id: str) -> dict[str, Any] | None:
        q = select(instruments).where(instruments.c.id == instrument_id)
        row = self.conn.execute(q).first()
        if row is None:
            return None
        return {
            "id": row.id,
            "program": row.program_id,
            "kind": row.kind,
            "unit": row.unit,
            "balance": row.balance,
            "status": row.status,
            "uses_left": row.uses_left,
            "valid_from": row.valid_from,
            "valid_until": row.valid_until,
            "issued_at": row.issued_at,
            "store": row.store_id,
        }

    def history(self, instrument_id: str, limit: int) -> list[dict[str, Any]]:
        """Journal rows of an instrument (either side of a transfer), newest first."""
        t = transactions.c
        q = (
            select(
                t.id, t.op, t.amount, t.code, t.balance_after, t.at, t.store_id, t.terminal_id,
                t.ref, t.occurred_at,
            )
            .where((t.instrument_id == instrument_id) | (t.counterparty == instrument_id))
            .order_by(t.at.desc(), t.id)
            .limit(limit)
        )  # fmt: skip
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def transaction(self, tx_id: str) -> dict[str, Any] | None:
        """One transaction as recorded, with what was refunded or voided against it."""
        t, r = transactions.c, tx_reversals.c
        q = (
            select(
                t.id, t.op, t.instrument_id.label("instrument"), t.amount, t.code, t.at,
                t.store_id.label("store"), t.terminal_id.label("terminal"),
                func.coalesce(r.refunded, 0).label("refunded"),
                func.coalesce(r.voided, False).label("voided"),
            )
            .select_from(transactions.outerjoin(tx_reversals, r.tx_id == t.id))
            .where(t.id == tx_id)
        )  # fmt: skip
        row = self.conn.execute(q).first()
        return None if row is None else {**row._mapping, "voided": bool(row.voided)}

    def reward(self, tx_id: str) -> tuple[str, str, str, int, str] | None:
        """A reward bought with points: (member card, voucher, campaign, when, terminal);
        None unless it is one and succeeded."""
        t = transactions.c
        q = select(t.instrument_id, t.counterparty, t.program_id, t.at, t.terminal_id).where(
            t.id == tx_id, t.op == "reward", t.code == "ok"
        )
        row = self.conn.execute(q).first()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def blocked(self, limit: int) -> list[str]:
        q = select(instruments.c.id).where(instruments.c.status == "blocked")
        return [r.id for r in self.conn.execute(q.order_by(instruments.c.id).limit(limit))]

    def journal_balance(self, instrument_id: str) -> int:
        q = select(func.coalesce(func.sum(postings.c.amount), 0)).where(
            postings.c.account == instrument_account(instrument_id)
        )
        return int(self.conn.execute(q).scalar_one())

    # --- liability --------------------------------------------------------------------------
    def balances_by_program(self) -> list[tuple[str, str, int, int]]:
        """(program, unit, instruments, sum of balances) per program and unit."""
        i = instruments.c
        rows = self.conn.execute(
            select(i.program_id, i.unit, func.count(), func.coalesce(func.sum(i.balance), 0))
            .group_by(i.program_id, i.unit)
            .order_by(i.program_id, i.unit)
        ).all()
        return [(p, u, int(n), int(b)) for p, u, n, b in rows]

    def journal_by_program(self, program_id: str, unit: str) -> int:
        """The sum of every posting on the accounts of a program's instruments."""
        i = instruments.c
        q = (
            select(func.coalesce(func.sum(postings.c.amount), 0))
            .select_from(postings)
            .join(instruments, postings.c.account == literal("i:") + instruments.c.id)
            .where(i.program_id == program_id, postings.c.unit == unit)
        )
        return int(self.conn.execute(q).scalar_one())

    # --- purse cards ------------------------------------------------------------------------
    def card_alerts(self, limit: int, store: str | None = None) -> list[dict[str, Any]]:
        """Newest first; with `store`: alerts of instruments it issued or taps at its
        terminals only."""
        q = select(card_alerts).order_by(card_alerts.c.id.desc()).limit(limit)
        if store is not None:
            q = q.where(
                card_alerts.c.instrument_id.in_(
                    select(instruments.c.id).where(instruments.c.store_id == store)
                )
                | card_alerts.c.tx_id.in_(
                    select(transactions.c.id).where(transactions.c.store_id == store)
                )
            )
        return [dict(r._mapping) for r in self.conn.execute(q)]

    # --- clearing ---------------------------------------------------------------------------
    def account_sums(
        self, start: int, end: int, prefixes: Sequence[str], accounts: Sequence[str] | None
    ) -> list[tuple[str, str, int]]:
        """(account, unit, sum) of postings with start <= at < end, on accounts named in
        `accounts`, or (when None) on every account starting with one of `prefixes`."""
        p = postings.c
        period = (p.at >= start) & (p.at < end)
        scope: ColumnElement[bool]
        if accounts is not None:
            scope = p.account.in_(list(accounts))
        else:
            scope = p.account.like(prefixes[0] + "%")
            for prefix in prefixes[1:]:
                scope = scope | p.account.like(prefix + "%")
        rows = self.conn.execute(
            select(p.account, p.unit, func.sum(p.amount)).where(period & scope)
            .group_by(p.account, p.unit)
        ).all()  # fmt: skip
        return [(a, u, int(s)) for a, u, s in rows]

    # --- offline uses -----------------------------------------------------------------------
    def refused_offline(
        self, codes: Sequence[str], since: int, limit: int, store: str | None = None
    ) -> list[dict[str, Any]]:
        """Offline uses (they carry the device's time) the ledger refused with `codes`; with
        `store`: those at its terminals or on instruments it issued."""
        t = transactions.c
        q = (
            select(t.id, t.instrument_id, t.terminal_id, t.store_id, t.op, t.amount,
                   t.purchase_amount, t.code, t.occurred_at, t.at)
            .where(t.occurred_at.is_not(None), t.code.in_(list(codes)), t.at >= since)
            .order_by(t.at, t.id)
            .limit(limit)
        )  # fmt: skip
        if store is not None:
            issued_here = select(instruments.c.id).where(instruments.c.store_id == store)
            q = q.where((t.store_id == store) | t.instrument_id.in_(issued_here))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def first_accepted(self, instrument_id: str, op: str) -> dict[str, Any] | None:
        """The first use of an instrument the ledger accepted, for an operation."""
        t = transactions.c
        row = self.conn.execute(
            select(t.id, t.terminal_id, t.store_id, t.occurred_at, t.at, t.amount)
            .where(t.instrument_id == instrument_id, t.op == op, t.code == "ok")
            .order_by(t.at, t.id)
            .limit(1)
        ).first()
        return None if row is None else dict(row._mapping)

    def checkins(self, campaign_id: str, gate: str | None, limit: int) -> list[dict[str, Any]]:
        """Entries at an event, per gate (terminal), newest first."""
        t = transactions.c
        q = (
            select(t.id, t.instrument_id, t.terminal_id, t.code, t.occurred_at, t.at)
            .join(voucher_codes, voucher_codes.c.instrument_id == t.instrument_id)
            .where(voucher_codes.c.campaign_id == campaign_id, t.op == "redeem")
            .order_by(t.at.desc(), t.id)
            .limit(limit)
        )
        if gate is not None:
            q = q.where(t.terminal_id == gate)
        return [dict(r._mapping) for r in self.conn.execute(q)]
