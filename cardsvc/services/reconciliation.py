"""Reconciliation actions on a purse card that disagrees with the ledger.

What the card will hold is the card mirror's value (what it last reported) plus the updates
queued for it and not yet written; the ledger holds the instrument's balance. Finance either
- has the card's next tap correct it: an update of the difference is queued (the card_updates
  mechanism: the agent writes it at the next tap and reports it; pending until then), or
- writes the difference off: a `write_off` ledger transaction moves the balance to the card's
  value against the program's write-off account (balanced postings, so the liability report
  and the journal stay equal).
Either way the action and its reason go to the audit log in the same database transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cardsvc.core import Policy
from cardsvc.core.media import MediumState
from cardsvc.services import audit, card_updates
from cardsvc.services.errors import Invalid, NotFound
from cardsvc.services.ingest import Actor, Submission, commit_group
from cardsvc.services.instructions import ServiceInstruction
from cardsvc.storage.unit_of_work import Database, UnitOfWork

CORRECTION = "correction"  # the reason of an update queued by reconciliation


@dataclass(frozen=True)
class Standing:
    """A purse card against the ledger, now."""

    instrument: str
    uid: str
    card: int  # what the card holds once the updates already queued are written
    ledger: int

    @property
    def difference(self) -> int:
        return self.card - self.ledger


@dataclass(frozen=True)
class Decision:
    """Who decides, why, and where the audit log files it."""

    person_id: str
    actor: Actor
    reason: str
    target: str  # e.g. "alert:12"
    client: str = ""


def standing(uow: UnitOfWork, instrument: str) -> Standing | None:
    """The instrument's active purse card against its balance (None: no purse card, or one
    that has not reported yet)."""
    view = uow.reports.instrument(instrument)
    purses = [
        r.medium.uid
        for r in uow.media.of_instrument(instrument)
        if r.medium.card_type == "desfire" and r.medium.state is MediumState.ACTIVE
    ]
    if view is None or not purses:
        return None
    mirror = uow.card_mirror.load(purses)
    reported = [(uid, mirror[uid]) for uid in purses if uid in mirror]
    if not reported:
        return None
    uid, entry = reported[-1]
    queued = sum(u.amount for u in uow.media.updates_of(instrument))
    return Standing(instrument, uid, entry.value + queued, int(view["balance"]))


def _standing_difference(uow: UnitOfWork, instrument: str) -> Standing:
    found = standing(uow, instrument)
    if found is None:
        raise NotFound(f"no purse card of {instrument} has reported a value")
    if found.difference == 0:
        raise Invalid("the card and the ledger already agree")
    return found


def correct_on_next_tap(db: Database, decision: Decision, instrument: str,
                        now: int) -> dict[str, Any]:  # fmt: skip
    """Queue the update that brings the card to the ledger's balance; its id."""
    with db.write() as uow:
        found = _standing_difference(uow, instrument)
        update_id = card_updates.queue_update(
            uow, instrument, -found.difference, CORRECTION, now,
            by_user=decision.person_id, note=decision.reason or None,
        )  # fmt: skip
        after = {"action": "correct_next_tap", "reason": decision.reason, "update": update_id,
                 "amount": -found.difference}  # fmt: skip
        audit.record(uow, now, decision.person_id, "card_alert.correct_next_tap",
                     decision.target, _before(found), after, decision.client)  # fmt: skip
    return {"update": update_id, "amount": -found.difference}


def write_off(db: Database, policy: Policy, decision: Decision, instrument: str,
              now: int) -> dict[str, Any]:  # fmt: skip
    """Post the write-off that brings the ledger to the card's value; its result."""
    if not decision.reason:
        raise Invalid("a write-off needs a reason")
    with db.write() as uow:
        found = _standing_difference(uow, instrument)
        msg = ServiceInstruction("wo-" + uuid.uuid4().hex, "write_off", instrument,
                                 abs(found.difference), purchase_amount=found.card,
                                 reason=decision.reason)  # fmt: skip
        [outcome] = commit_group(uow, [Submission(decision.actor, [msg])], now, policy)
        assert not isinstance(outcome, Exception)
        result = outcome.results[0]
        if result.code != "ok":
            raise Invalid(f"the ledger refused the write-off: {result.code}")
        after = {"action": "write_off", "reason": decision.reason, "tx": msg.id,
                 "amount": found.difference}  # fmt: skip
        audit.record(uow, now, decision.person_id, "card_alert.write_off", decision.target,
                     _before(found), after, decision.client)  # fmt: skip
    return {"tx": msg.id, "amount": found.difference, "balance_after": result.balance_after}


def _before(found: Standing) -> dict[str, Any]:
    return {"instrument": found.instrument, "uid": found.uid, "card": found.card,
            "ledger": found.ledger}  # fmt: skip
