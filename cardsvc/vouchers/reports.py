"""Finance views: offline double use, budgets, per-gate check-in lists.

Offline redemptions and check-ins reach the ledger later, in signed batches, with the time the
device saw them (`occurred_at`). The ledger applies them in arrival order: the first use of a
single-use voucher wins; a second device's use of the same voucher gets `already_redeemed`
(tickets: `passback` or `already_redeemed`) and moves nothing, so it is counted once. The
goods were handed over at that second counter all the same: finance sees each such use here,
next to the use that won, to recover or write off.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from cardsvc.services.errors import NotFound
from cardsvc.storage.schema import campaigns, code_batches, transactions, voucher_codes

CONFLICT_CODES = ("already_redeemed", "passback", "expired", "instrument_blocked",
                  "insufficient_funds", "not_yet_valid", "min_spend_not_met")
REPORT_MAX = 10_000


def offline_conflicts(
    conn: Connection, since: int = 0, limit: int = REPORT_MAX
) -> list[dict[str, Any]]:
    """Offline uses the ledger refused at sync, each with the accepted use of the instrument."""
    t = transactions.c
    refused = conn.execute(
        select(t.id, t.instrument_id, t.terminal_id, t.store_id, t.op, t.amount,
               t.purchase_amount, t.code, t.occurred_at, t.at)
        .where(t.occurred_at.is_not(None), t.code.in_(CONFLICT_CODES), t.at >= since)
        .order_by(t.at, t.id)
        .limit(min(limit, REPORT_MAX))
    ).all()
    out = []
    for r in refused:
        winner = conn.execute(
            select(t.id, t.terminal_id, t.store_id, t.occurred_at, t.at, t.amount)
            .where(t.instrument_id == r.instrument_id, t.op == r.op, t.code == "ok")
            .order_by(t.at, t.id)
            .limit(1)
        ).first()
        row = dict(r._mapping)
        row["accepted"] = dict(winner._mapping) if winner is not None else None
        out.append(row)
    return out


def campaign_summary(conn: Connection, campaign_id: str) -> dict[str, Any]:
    c = conn.execute(select(campaigns).where(campaigns.c.id == campaign_id)).first()
    if c is None:
        raise NotFound(f"no campaign {campaign_id}")
    batches = conn.execute(
        select(code_batches).where(code_batches.c.campaign_id == campaign_id)
        .order_by(code_batches.c.created_at)
    ).all()
    return {
        "id": c.id, "kind": c.kind, "name": c.name, "face_value": c.face_value,
        "budget": c.budget, "committed": c.committed,
        "uncommitted": None if c.budget is None else c.budget - c.committed,
        "batches": [dict(b._mapping) for b in batches],
    }


def checkins(
    conn: Connection, campaign_id: str, gate: str | None, limit: int = REPORT_MAX
) -> list[dict[str, Any]]:
    """Entries at an event, per gate (terminal), newest first."""
    t = transactions.c
    q = (
        select(t.id, t.instrument_id, t.terminal_id, t.code, t.occurred_at, t.at)
        .join(voucher_codes, voucher_codes.c.instrument_id == t.instrument_id)
        .where(voucher_codes.c.campaign_id == campaign_id, t.op == "redeem")
        .order_by(t.at.desc(), t.id)
        .limit(min(limit, REPORT_MAX))
    )
    if gate is not None:
        q = q.where(t.terminal_id == gate)
    return [dict(r._mapping) for r in conn.execute(q)]
