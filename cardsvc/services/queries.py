"""Read-side rules: instrument look-up and history, the blocked-card hotlist, liability."""

from __future__ import annotations

from typing import Any

from cardsvc.services.errors import NotFound
from cardsvc.storage.unit_of_work import UnitOfWork

HISTORY_MAX = 500
HOTLIST_MAX = 100_000


def instrument_view(uow: UnitOfWork, instrument_id: str) -> dict[str, Any]:
    view = uow.reports.instrument(instrument_id)
    if view is None:
        raise NotFound(f"no instrument {instrument_id}")
    return view


def instrument_history(uow: UnitOfWork, instrument_id: str, limit: int) -> list[dict[str, Any]]:
    return uow.reports.history(instrument_id, min(max(limit, 1), HISTORY_MAX))


def hotlist(uow: UnitOfWork) -> list[str]:
    """Ids of blocked instruments, for terminals that decide offline."""
    return uow.reports.blocked(HOTLIST_MAX)


def liability(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Outstanding stored value per program and unit, checked against the postings journal.

    `balance` is what the instruments table says; `journal` is the sum of every posting on
    those instruments' accounts. They are equal unless something bypassed the ledger.
    """
    out = []
    for program, unit, count, balance in uow.reports.balances_by_program():
        journal = uow.reports.journal_by_program(program, unit)
        out.append(
            {
                "program": program,
                "unit": unit,
                "instruments": count,
                "balance": balance,
                "journal": journal,
                "consistent": balance == journal,
            }
        )
    return out


def instrument_journal_balance(uow: UnitOfWork, instrument_id: str) -> int:
    return uow.reports.journal_balance(instrument_id)


def card_alert_list(
    uow: UnitOfWork, limit: int, store: str | None = None
) -> list[dict[str, Any]]:
    """Purse cards whose reports did not fit the ledger's mirror (newest first); for a store:
    the alerts of cards it issued or of taps at its terminals."""
    return uow.reports.card_alerts(min(max(limit, 1), HISTORY_MAX), store)
