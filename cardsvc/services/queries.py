"""Read-side queries: instrument look-up and history, the blocked-card hotlist, liability."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, literal, select

from cardsvc.core.accounts import instrument_account
from cardsvc.services.errors import NotFound
from cardsvc.storage.schema import card_alerts, instruments, postings, transactions

HISTORY_MAX = 500
HOTLIST_MAX = 100_000


def instrument_view(conn: Connection, instrument_id: str) -> dict[str, Any]:
    row = conn.execute(select(instruments).where(instruments.c.id == instrument_id)).first()
    if row is None:
        raise NotFound(f"no instrument {instrument_id}")
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


def instrument_history(conn: Connection, instrument_id: str, limit: int) -> list[dict[str, Any]]:
    t = transactions.c
    q = (
        select(
            t.id,
            t.op,
            t.amount,
            t.code,
            t.balance_after,
            t.at,
            t.store_id,
            t.terminal_id,
            t.ref,
            t.occurred_at,
        )
        .where((t.instrument_id == instrument_id) | (t.counterparty == instrument_id))
        .order_by(t.at.desc(), t.id)
        .limit(min(max(limit, 1), HISTORY_MAX))
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def hotlist(conn: Connection) -> list[str]:
    """Ids of blocked instruments, for terminals that decide offline."""
    q = select(instruments.c.id).where(instruments.c.status == "blocked").order_by(instruments.c.id)
    return [r.id for r in conn.execute(q.limit(HOTLIST_MAX))]


def liability(conn: Connection) -> list[dict[str, Any]]:
    """Outstanding stored value per program and unit, checked against the postings journal.

    `balance` is what the instruments table says; `journal` is the sum of every posting on
    those instruments' accounts. They are equal unless something bypassed the ledger.
    """
    i = instruments.c
    rows = conn.execute(
        select(i.program_id, i.unit, func.count(), func.coalesce(func.sum(i.balance), 0))
        .group_by(i.program_id, i.unit)
        .order_by(i.program_id, i.unit)
    ).all()
    out = []
    for program, unit, count, balance in rows:
        journal = conn.execute(
            select(func.coalesce(func.sum(postings.c.amount), 0))
            .select_from(postings)
            .join(instruments, postings.c.account == literal("i:") + instruments.c.id)
            .where(i.program_id == program, postings.c.unit == unit)
        ).scalar_one()
        out.append(
            {
                "program": program,
                "unit": unit,
                "instruments": count,
                "balance": int(balance),
                "journal": int(journal),
                "consistent": int(balance) == int(journal),
            }
        )
    return out


def instrument_journal_balance(conn: Connection, instrument_id: str) -> int:
    q = select(func.coalesce(func.sum(postings.c.amount), 0)).where(
        postings.c.account == instrument_account(instrument_id)
    )
    return int(conn.execute(q).scalar_one())


def card_alert_list(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """Purse cards whose reports did not fit the ledger's mirror (newest first)."""
    q = select(card_alerts).order_by(card_alerts.c.id.desc()).limit(min(max(limit, 1), HISTORY_MAX))
    return [dict(r._mapping) for r in conn.execute(q)]
