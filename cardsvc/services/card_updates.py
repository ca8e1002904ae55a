"""Ledger-to-card updates: value changes made at the ledger, written to the purse card later.

A staff adjustment, a top-up paid online or at another store, a refund to a purse: the value
moves at the ledger at once (postings, in the same database transaction), and an update is
queued for the instrument. At the card's next tap at any terminal the agent fetches the pending
updates, writes each to the purse (Credit or Debit, tear-safe) and reports it as a
`card_update` transaction carrying the card's evidence; the ledger accepts each update exactly
once (its id, and the card's counter), after which the card mirror and the instrument agree
again, so card alerts mean real divergence only. Online-only cards (UID, NTAG) carry no value:
nothing is queued for them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from cardsvc.core import Policy
from cardsvc.core.media import MediumState
from cardsvc.services.errors import Invalid, NotFound
from cardsvc.services.ingest import Actor, Submission, commit_group
from cardsvc.services.instructions import ServiceInstruction
from cardsvc.storage.unit_of_work import Database, UnitOfWork

UPDATES_PER_TAP = 8  # a tap writes at most this many (the rest at the next tap)
ChangeKind = Literal["top_up", "adjustment", "refund"]


def queue_update(uow: UnitOfWork, instrument: str, amount: int, reason: str, now: int, *,
                 by_user: str | None, update_id: str | None = None, source_tx: str | None = None,
                 note: str | None = None) -> str:  # fmt: skip
    """Queue `amount` (credit > 0, debit < 0) for the instrument's purse card; its id."""
    assert amount != 0 and type(amount) is int
    uid = update_id or "cu-" + uuid.uuid4().hex
    uow.media.add_update({
        "id": uid, "instrument_id": instrument, "amount": amount, "reason": reason,
        "source_tx": source_tx, "note": note, "created_at": now, "by_user": by_user,
        "state": "pending",
    })  # fmt: skip
    return uid


def has_purse(uow: UnitOfWork, instrument: str) -> bool:
    """Does the instrument's current card carry value (a DESFire purse)?"""
    return any(
        r.medium.card_type == "desfire" and r.medium.state is MediumState.ACTIVE
        for r in uow.media.of_instrument(instrument)
    )


@dataclass(frozen=True)
class LedgerChange:
    """A value change made at the ledger by a person, to be written to the card."""

    id: str  # the ledger transaction id (chosen by the caller: retries are exactly once)
    kind: ChangeKind
    instrument: str
    amount: int  # > 0; adjustments are signed by `credit`
    credit: bool = True
    ref: str | None = None  # refund: the redemption it refunds
    note: str | None = None


def _instruction(change: LedgerChange) -> ServiceInstruction:
    if change.kind == "top_up":
        return ServiceInstruction(change.id, "top_up", change.instrument, change.amount)
    if change.kind == "refund":
        if change.ref is None:
            raise Invalid("a refund names the redemption it refunds")
        return ServiceInstruction(change.id, "refund", change.instrument, change.amount,
                                  ref=change.ref)  # fmt: skip
    if change.credit:  # goodwill: the program pays for it
        return ServiceInstruction(change.id, "top_up", change.instrument, change.amount,
                                  funding="promotion")  # fmt: skip
    return ServiceInstruction(change.id, "redeem", change.instrument, change.amount)


def apply_change(db: Database, policy: Policy, change: LedgerChange, actor: Actor,
                 now: int) -> dict[str, Any]:  # fmt: skip
    """Post the change and queue it for the card, in one transaction. Exactly once: the same
    id again answers `exists` and queues nothing more."""
    if change.amount <= 0:
        raise Invalid("the amount is a positive number of đồng")
    msg = _instruction(change)
    with db.write() as uow:
        if uow.reports.instrument(change.instrument) is None:
            raise NotFound(f"no instrument {change.instrument}")
        [outcome] = commit_group(uow, [Submission(actor, [msg])], now, policy)
        assert not isinstance(outcome, Exception)
        result = outcome.results[0]
        update_id = None
        if result.code == "ok" and has_purse(uow, change.instrument):
            signed = change.amount if (change.credit or change.kind != "adjustment") else (
                -change.amount
            )
            update_id = queue_update(uow, change.instrument, signed, change.kind, now,
                                     by_user=actor.by_user, update_id="cu-" + change.id,
                                     source_tx=change.id, note=change.note)  # fmt: skip
        answer = {"id": result.id, "seq": result.seq, "code": result.code,
                  "balance_after": result.balance_after}  # fmt: skip
        return {"result": answer, "update": update_id}


def pending_view(uow: UnitOfWork, instrument: str) -> list[dict[str, Any]]:
    return [
        {"id": u.id, "amount": u.amount, "reason": u.reason, "created_at": u.created_at,
         "note": u.note, "state": u.state}
        for u in uow.media.updates_of(instrument, state=None)
    ]  # fmt: skip


def for_terminal(uow: UnitOfWork, uid: str) -> dict[str, Any]:
    """What a terminal needs at a tap of card `uid`: the card's state and instrument, and the
    updates to write to it, with the counter the ledger last saw from the card. The terminal
    writes them only when the card's counter is that one: a card with taps the ledger has not
    seen yet (a torn or offline tap elsewhere) may already carry an update, so it waits until
    those taps reach the ledger. That anchor, and the update id on each write, make every
    update land on the card exactly once."""
    medium = uow.media.for_uids([uid]).get(uid)
    if medium is None:
        return {"uid": uid, "known": False, "state": None, "instrument": None,
                "card_counter": None, "card_value": None, "updates": []}  # fmt: skip
    mirror = uow.card_mirror.load({uid}).get(uid)
    updates: list[dict[str, Any]] = []
    if medium.state is MediumState.ACTIVE and medium.card_type == "desfire":
        updates = [
            {"id": u.id, "amount": u.amount, "reason": u.reason}
            for u in uow.media.updates_of(medium.instrument, limit=UPDATES_PER_TAP)
        ]
    return {
        "uid": uid, "known": True, "state": str(medium.state), "instrument": medium.instrument,
        "card_counter": mirror.counter if mirror else None,
        "card_value": mirror.value if mirror else None, "updates": updates,
    }  # fmt: skip
