"""Read-side rules: instrument look-up and history, the blocked-card hotlist, liability."""

from __future__ import annotations

from typing import Any

from cardsvc.core.checks import reloadable
from cardsvc.core.media import uid_named
from cardsvc.services.errors import NotFound
from cardsvc.storage.unit_of_work import UnitOfWork

HISTORY_MAX = 500
HOTLIST_MAX = 100_000


def instrument_view(uow: UnitOfWork, instrument_id: str) -> dict[str, Any]:
    view = uow.reports.instrument(instrument_id)
    if view is None:
        raise NotFound(f"no instrument {instrument_id}")
    return view


def card_instrument_view(uow: UnitOfWork, name: str) -> dict[str, Any]:
    """What a terminal sees for the name it knows a card by (`card-<UID>`): the instrument the
    card belongs to, which after a replacement is named after the first card."""
    uid = uid_named(name)
    medium = uow.media.for_uids([uid]).get(uid) if uid is not None else None
    return instrument_view(uow, medium.instrument if medium is not None else name)


def takes_top_ups(uow: UnitOfWork, view: dict[str, Any]) -> bool | None:
    """Whether the core would take a top-up of this instrument by its program's rule (None:
    the program is gone)."""
    found = uow.programs.terms(str(view["program"]))
    return None if found is None else reloadable(found[0])


def instrument_history(uow: UnitOfWork, instrument_id: str, limit: int) -> list[dict[str, Any]]:
    return uow.reports.history(instrument_id, min(max(limit, 1), HISTORY_MAX))


def hotlist(uow: UnitOfWork) -> list[str]:
    """Ids of blocked instruments and the names (`card-<UID>`) of blocked cards, for terminals
    that decide offline: a lost card's name is refused while its instrument lives on through
    its new card."""
    return sorted({*uow.reports.blocked(HOTLIST_MAX), *blocked_media(uow)})[:HOTLIST_MAX]


def blocked_media(uow: UnitOfWork) -> list[str]:
    """The names of cards that are lost, stolen, damaged or replaced, or whose instrument is
    blocked or expired (terminals answer `card_medium_blocked` for the first kind)."""
    return uow.media.blocked_names(HOTLIST_MAX)


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


def cards_with_updates(uow: UnitOfWork) -> list[str]:
    """Names of purse cards with value changed at the ledger waiting to be written to them."""
    return uow.media.cards_with_updates(HOTLIST_MAX)
