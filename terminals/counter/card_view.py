"""The tap screen's view of a card: what the card holds and what the ledger says of it.

A purse card carries its value (the card's copy); the ledger's balance is the account of
record. Member cards hold points, shown as points, never as đồng.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reader_agent.contract import CardAnswer
from terminals.counter.text import dong, grouped, t, when

_STATUS_KEYS = {"active": "status_active", "blocked": "status_blocked", "expired": "status_expired"}


@dataclass
class CardView:
    kind: str  # purse, blank, online (the agent's) -> css and the actions offered
    status_key: str  # status_active, status_blocked, ...
    rows: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    issued: bool = False  # the ledger knows the instrument: top up / sale make sense
    takes_top_ups: bool = False  # issued, and its program takes cash top-ups (no gift, no points)


def _status_key(card: CardAnswer, ledger: dict[str, Any] | None) -> str:
    if ledger is None:
        return "status_not_issued" if card.kind == "blank" else "status_ledger_unknown"
    if "error" in ledger:
        return "status_not_issued" if ledger["error"] == "not_found" else "status_ledger_unknown"
    return _STATUS_KEYS.get(str(ledger.get("status")), "status_ledger_unknown")


def _balance_rows(lang: str, card: CardAnswer, ledger: dict[str, Any] | None) -> list[
    tuple[str, str]
]:  # fmt: skip
    rows = []
    balance = ledger.get("balance") if ledger else None
    if ledger and (ledger.get("kind") == "member" or ledger.get("unit") == "PTS"):
        if type(balance) is int:
            points = t(lang, "card_points_value", points=grouped(balance))
            rows.append((t(lang, "card_points"), points))
    elif type(balance) is int:
        rows.append((t(lang, "card_balance"), dong(balance)))
    if card.card_value is not None:
        rows.append((t(lang, "card_on_card"), dong(card.card_value)))
    return rows


def _takes_top_ups(ledger: dict[str, Any]) -> bool:
    """What the ledger would refuse is not offered: a gift card's program may take no top-ups,
    and points are never sold for cash."""
    return ledger.get("reloadable") is not False and ledger.get("unit") != "PTS"


def card_view(lang: str, card: CardAnswer, utc_offset_h: int) -> CardView:
    ledger = card.ledger if card.ledger and "error" not in card.ledger else None
    key = _status_key(card, card.ledger)
    view = CardView(card.kind, key, issued=ledger is not None)
    view.takes_top_ups = ledger is not None and _takes_top_ups(ledger)
    view.rows.append((t(lang, "card_kind"), t(lang, "card_kind_" + card.kind)))
    if ledger and ledger.get("kind"):
        view.rows.append((t(lang, "card_program"), t(lang, "kind_" + str(ledger["kind"]))))
    view.rows.append((t(lang, "card_number"), card.instrument))
    view.rows.extend(_balance_rows(lang, card, ledger))
    view.rows.append((t(lang, "card_status"), t(lang, key)))
    until = ledger.get("valid_until") if ledger else None
    if type(until) is int:
        view.rows.append((t(lang, "card_valid_until"), when(until, utc_offset_h)))
    if card.agree is False:
        view.warnings.append(t(lang, "card_disagree"))
    if key == "status_blocked":
        view.warnings.append(t(lang, "instrument_blocked"))
    owner = ledger.get("customer") if ledger else None
    if isinstance(owner, dict) and owner.get("name"):
        view.rows.append((t(lang, "cust_name"), str(owner["name"])))
        if owner.get("birthday_week"):
            view.notes.append(t(lang, "cust_birthday_banner", name=owner["name"]))
    if card.recovered:
        view.notes.append(t(lang, "card_recovered", count=len(card.recovered)))
    return view
