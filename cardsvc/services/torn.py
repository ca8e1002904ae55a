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
    _settle_from_journal(uow, txs, now)
    return {"states": uow.media.torn_states(terminal_id, [m.id for m in txs])}


def _settle_from_journal(uow: UnitOfWork, txs: Sequence[TransactionMsg], now: int) -> None:
    """What the journal already says: sent by its till, or its counter taken by another
    operation (it did not happen). Otherwise the card's next report settles it."""
    sent = uow.media.journalled_instruments([m.id for m in txs])
    pairs = {(m.card.uid, m.card.counter) for m in txs if m.card is not None}
    taken = uow.card_mirror.journalled(pairs)
    open_ids = set(uow.media.torn_open_ids([m.id for m in txs]))
    for m in txs:
        if m.id not in open_ids or m.card is None:
            continue
        if m.id in sent:
            uow.media.settle_torn(m.id, "sent", now, m.id)
        elif (m.card.uid, m.card.counter) in taken:
            uow.media.settle_torn(m.id, "cancelled", now, None)
