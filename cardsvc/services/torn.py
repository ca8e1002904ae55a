"""Torn purse operations reported by the tills they were torn at (the card left mid-way and
did not come back there). The till knows what the card would show had it committed; the ledger
keeps that, signed, and the card's next appearance at any till settles it in the ingest
(cardsvc.core.media.torn_outcome): applied as the till would have sent it, or dropped because
another operation took its counter. What no appearance settles is listed for finance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cardsvc.protocol.messages import TransactionMsg
from cardsvc.services.errors import Invalid
from cardsvc.storage.evidence import Evidence
from cardsvc.storage.unit_of_work import UnitOfWork


def report(uow: UnitOfWork, terminal_id: str, evidence: Evidence,
           txs: Sequence[TransactionMsg], now: int) -> dict[str, Any]:  # fmt: skip
    """Keep the reports (once per tx id); answer where each stands."""
    if any(m.card is None for m in txs):
        raise Invalid("a torn purse operation carries the card evidence it would have had")
    [request_id] = uow.evidence.keep([(terminal_id, evidence)], now)
    rows = []
    for m in txs:
        card = m.card
        assert card is not None
        rows.append({
            "tx_id": m.id, "terminal_id": terminal_id, "seq": m.seq, "uid": card.uid,
            "counter": card.counter, "before": card.before, "after": card.after,
            "body": m.model_dump_json(exclude_defaults=True), "request_id": request_id,
            "reported_at": now, "state": "open",
        })  # fmt: skip
    uow.media.add_torn(rows)
    return {"states": uow.media.torn_states(terminal_id, [m.id for m in txs])}
