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

from cardsvc.services.errors import NotFound
from cardsvc.storage.unit_of_work import UnitOfWork

CONFLICT_CODES = ("already_redeemed", "passback", "expired", "instrument_blocked",
                  "insufficient_funds", "not_yet_valid", "min_spend_not_met")
REPORT_MAX = 10_000


def offline_conflicts(
    uow: UnitOfWork, since: int = 0, limit: int = REPORT_MAX, store: str | None = None
) -> list[dict[str, Any]]:
    """Offline uses the ledger refused at sync, each with the accepted use of the instrument;
    for a store: those at its terminals or on instruments it issued."""
    out = []
    rows = uow.reports.refused_offline(CONFLICT_CODES, since, min(limit, REPORT_MAX), store)
    for row in rows:
        row["accepted"] = uow.reports.first_accepted(row["instrument_id"], row["op"])
        out.append(row)
    return out


def campaign_summary(uow: UnitOfWork, campaign_id: str) -> dict[str, Any]:
    summary = uow.campaigns.summary(campaign_id)
    if summary is None:
        raise NotFound(f"no campaign {campaign_id}")
    return summary


def checkins(
    uow: UnitOfWork, campaign_id: str, gate: str | None, limit: int = REPORT_MAX
) -> list[dict[str, Any]]:
    """Entries at an event, per gate (terminal), newest first."""
    return uow.reports.checkins(campaign_id, gate, min(limit, REPORT_MAX))
