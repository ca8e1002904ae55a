"""Card media: replacing a lost, stolen or damaged card, and closing its holding window.

A replacement, in one database transaction:
  - the old medium is marked lost/stolen/damaged: it is on the next hotlist at once;
  - the purse value the ledger's mirror says is on the old card moves into the card's holding
    instrument (`held-<UID>`, same program), with postings; late offline taps of the old card
    synced during the window are applied against it (cardsvc.core.media.route);
  - the new medium belongs to the same instrument (same customer, points, tier);
  - value of the instrument that is on no card yet is queued for the new card.
When the window closes (`close_due`, idempotent: run it from a timer or the CLI as often as
wanted) what the late taps left moves back to the instrument, with postings, and is queued to
be written to the new card at its next tap; the replacement row is the receipt.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from cardsvc.core import Policy
from cardsvc.core.checks import reloadable
from cardsvc.core.media import (
    REPLACE_REASONS,
    CardReading,
    Medium,
    MediumState,
    closing,
    default_instrument,
    held_value,
    holding_instrument,
    window_s,
)
from cardsvc.protocol.wire import WireResult
from cardsvc.services.card_updates import queue_update
from cardsvc.services.errors import (
    CardMediumBlocked,
    CardMediumMismatch,
    Conflict,
    Invalid,
    NotFound,
)
from cardsvc.services.ingest import Actor, Submission, commit_group
from cardsvc.services.instructions import ServiceInstruction
from cardsvc.storage.faults import Fault
from cardsvc.storage.unit_of_work import Database, UnitOfWork

T = TypeVar("T")
UID_RE = re.compile(r"^[0-9A-F]{8,20}$")
REPLACEMENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,48}$")  # tx ids are made from it
CARD_TYPES = ("desfire", "ntag", "uid")
WRITE_ATTEMPTS = 4
_OK = ("ok", "exists")


@dataclass(frozen=True)
class ReplaceRequest:
    id: str  # chosen by the caller: a retried request finds the first one's receipt
    old_uid: str
    new_uid: str
    reason: MediumState
    new_card_type: str
    store_id: str
    by_user: str | None
    reading: CardReading | None = None  # a damaged card read at the counter


def _write(db: Database, work: Callable[[UnitOfWork], T]) -> T:
    """Run `work` in one write transaction, again when another writer conflicted."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with db.write() as uow:
                return work(uow)
        except Exception as exc:
            if attempt == WRITE_ATTEMPTS or db.classify(exc) is not Fault.RETRY:
                raise
    raise AssertionError("unreachable")


def _ledger(uow: UnitOfWork, policy: Policy, now: int, actor: Actor,
            msgs: list[ServiceInstruction]) -> list[WireResult]:  # fmt: skip
    """Apply service transactions inside this unit of work (the caller's rows and the
    postings commit together)."""
    [outcome] = commit_group(uow, [Submission(actor, msgs)], now, policy)
    assert not isinstance(outcome, Exception), "service transactions carry no signature"
    return outcome.results


def _check(results: list[WireResult], what: str) -> None:
    bad = [r for r in results if r.code not in _OK]
    if bad:
        raise Conflict(f"{what}: the ledger refused ({bad[0].code})")


# --- replacement ----------------------------------------------------------------------------
def validate(req: ReplaceRequest) -> None:
    if not REPLACEMENT_ID_RE.match(req.id):
        raise Invalid("a replacement id is 1-48 letters, digits or _.:-")
    for uid in (req.old_uid, req.new_uid):
        if not UID_RE.match(uid):
            raise Invalid(f"a card UID is 8-20 upper-case hex digits, not {uid!r}")
    if req.old_uid == req.new_uid:
        raise Invalid("the new card must be another card")
    if req.reason not in REPLACE_REASONS:
        raise Invalid("a card is replaced when lost, stolen or damaged")
    if req.new_card_type not in CARD_TYPES:
        raise Invalid(f"card type is one of {', '.join(CARD_TYPES)}")
    if req.reading is not None and req.reason is not MediumState.DAMAGED:
        raise Invalid("only a damaged card is read at the counter")


def replace_card(
    db: Database, policy: Policy, req: ReplaceRequest, now: int, window: int
) -> dict[str, Any]:
    """Replace a card (see the module docstring); the receipt. Retrying the same request id
    answers the first receipt."""
    validate(req)
    return _write(db, lambda uow: _replace(uow, policy, req, now, window))


def _replace(
    uow: UnitOfWork, policy: Policy, req: ReplaceRequest, now: int, window: int
) -> dict[str, Any]:
    done = uow.media.replacement(req.id)
    if done is not None:
        if (done["old_uid"], done["new_uid"]) != (req.old_uid, req.new_uid):
            raise Conflict(f"replacement {req.id} exists for other cards")
        return receipt(uow, req.id)
    old = _old_medium(uow, req.old_uid, now)
    if old.state is not MediumState.ACTIVE:
        raise CardMediumBlocked(f"card {req.old_uid} is already {old.state}")
    if uow.media.for_uids([req.new_uid]) or uow.reports.instrument(
        default_instrument(req.new_uid)
    ):
        raise CardMediumMismatch(f"card {req.new_uid} is already in use")
    view = uow.reports.instrument(old.instrument)
    assert view is not None, "a medium belongs to an instrument"
    if view["status"] == "expired":
        raise Conflict(f"instrument {old.instrument} has expired")
    mirror = uow.card_mirror.load({req.old_uid}).get(req.old_uid)
    held = held_value(mirror.value if mirror else None, mirror.instrument if mirror else None,
                      old.instrument, int(view["balance"]))  # fmt: skip
    wait = window_s(req.reason, req.reading, mirror.counter if mirror else None,
                    mirror.value if mirror else None, window)  # fmt: skip
    held_id = holding_instrument(req.old_uid) if held else None
    actor = Actor("api", req.store_id, by_user=req.by_user)
    if held_id is not None:
        _hold(uow, policy, now, actor, req.id, old.instrument, view["program"], held_id, held)
    blocked = Medium(old.uid, old.instrument, old.card_type, req.reason, held_id, now + wait)
    uow.media.set_state(blocked, now, req.by_user)
    new = Medium(req.new_uid, old.instrument, req.new_card_type, MediumState.ACTIVE)
    uow.media.add(new, now, req.by_user)
    uow.media.add_replacement(_replacement_row(req, old.instrument, now, now + wait, held_id,
                                               held))  # fmt: skip
    if req.new_card_type == "desfire":
        _queue_rest(uow, old.instrument, int(view["balance"]) - held, req, now)
    if wait == 0:
        _close(uow, policy, req.id, now)
    return receipt(uow, req.id)


def _old_medium(uow: UnitOfWork, uid: str, now: int) -> Medium:
    """The medium of `uid`, locked; a card named after its instrument that has no medium row
    yet (issued before media existed) gets one now, on first use."""
    found = uow.media.for_uids([uid], lock=True).get(uid)
    if found is not None:
        return found
    instrument = default_instrument(uid)
    if uow.reports.instrument(instrument) is None:
        raise NotFound(f"no card {uid}")
    kind = "desfire" if uow.card_mirror.load({uid}) else "uid"
    medium = Medium(uid, instrument, kind, MediumState.ACTIVE)
    uow.media.add(medium, now, None)
    return medium


def _hold(uow: UnitOfWork, policy: Policy, now: int, actor: Actor, rid: str, instrument: str,
          program: str, held_id: str, amount: int) -> None:  # fmt: skip
    spec = uow.programs.spec_for_issue(program, now)
    assert spec is not None, "instruments reference existing programs"
    if not reloadable(spec):
        raise Conflict(
            f"program {program} does not let value move between cards: finance must refund "
            "the card's value"
        )
    msgs = [
        ServiceInstruction(id=f"rp-{rid}-held", op="issue", instrument=held_id, program=program,
                           linked=True),
        ServiceInstruction(id=f"rp-{rid}-hold", op="transfer", instrument=instrument,
                           counterparty=held_id, amount=amount),
    ]  # fmt: skip
    _check(_ledger(uow, policy, now, actor, msgs), "holding the old card's value")


def _queue_rest(uow: UnitOfWork, instrument: str, on_no_card: int, req: ReplaceRequest,
                now: int) -> None:  # fmt: skip
    """The new purse card starts empty: what the instrument holds beyond the old card's
    value and beyond updates already queued is queued for it too."""
    pending = sum(u.amount for u in uow.media.updates_of(instrument))
    rest = on_no_card - pending
    if rest > 0:
        note = f"card {req.old_uid} replaced"
        queue_update(uow, instrument, rest, "move", now, by_user=req.by_user,
                     update_id=f"rp-{req.id}-rest", note=note)  # fmt: skip


def _replacement_row(req: ReplaceRequest, instrument: str, now: int, until: int,
                     held_id: str | None, held: int) -> dict[str, Any]:  # fmt: skip
    reading = req.reading
    return {
        "id": req.id, "instrument_id": instrument, "old_uid": req.old_uid,
        "new_uid": req.new_uid, "reason": str(req.reason), "store_id": req.store_id,
        "by_user": req.by_user, "created_at": now, "window_until": until,
        "held_instrument": held_id, "held_amount": held,
        "reading_value": reading.value if reading else None,
        "reading_counter": reading.counter if reading else None, "state": "holding",
    }  # fmt: skip


# --- closing the holding window ---------------------------------------------------------------
def close_due(db: Database, policy: Policy, now: int, limit: int = 100) -> list[dict[str, Any]]:
    """Close every holding window that has ended (idempotent); the receipts of those closed
    by this run. Each closes in its own transaction, so one failure stops no other."""
    with db.read() as uow:
        due = [r["id"] for r in uow.media.replacements(state="holding", due_by=now, limit=limit)]
    closed = []
    for rid in due:
        done = _write(db, _closer(policy, rid, now))
        if done is not None:
            closed.append(done)
    return closed


def _closer(
    policy: Policy, rid: str, now: int
) -> Callable[[UnitOfWork], dict[str, Any] | None]:
    return lambda uow: _close_and_receipt(uow, policy, rid, now)


def _close_and_receipt(
    uow: UnitOfWork, policy: Policy, rid: str, now: int
) -> dict[str, Any] | None:
    return receipt(uow, rid) if _close(uow, policy, rid, now) else None


def _close(uow: UnitOfWork, policy: Policy, rid: str, now: int) -> bool:
    """Close one window if it is still open and has ended; False when there was nothing to do
    (another run closed it first)."""
    row = uow.media.replacement(rid)
    assert row is not None
    old = uow.media.for_uids([row["old_uid"]], lock=True)[row["old_uid"]]
    row = uow.media.replacement(rid)  # re-read under the medium's lock
    assert row is not None
    if row["state"] != "holding" or row["window_until"] > now:
        return False
    held_id, instrument = row["held_instrument"], row["instrument_id"]
    left = 0
    if held_id is not None:
        held_view = uow.reports.instrument(held_id)
        assert held_view is not None
        left = int(held_view["balance"])
    outcome = closing(int(row["held_amount"]), left)
    actor = Actor("api", row["store_id"], by_user="holding-window")
    if outcome.moved:
        back = ServiceInstruction(id=f"rp-{rid}-back", op="transfer", instrument=held_id,
                                  counterparty=instrument, amount=outcome.moved)  # fmt: skip
        results = _ledger(uow, policy, now, actor, [back])
        if results[0].code not in _OK:
            # The instrument can no longer take it (blocked, expired): finance decides.
            uow.media.close_replacement(rid, "finance", now, 0, outcome.spent_late)
            return True
        if _is_purse(uow, row["new_uid"]):
            queue_update(uow, instrument, outcome.moved, "move", now, by_user="holding-window",
                         update_id=f"rp-{rid}-move", source_tx=back.id,
                         note=f"card {row['old_uid']} replaced")  # fmt: skip
    retired = Medium(old.uid, old.instrument, old.card_type, MediumState.REPLACED, old.held,
                     old.window_until)  # fmt: skip
    uow.media.set_state(retired, now, "holding-window")
    uow.media.close_replacement(rid, "closed", now, outcome.moved, outcome.spent_late)
    return True


def _is_purse(uow: UnitOfWork, uid: str) -> bool:
    medium = uow.media.for_uids([uid]).get(uid)
    return medium is not None and medium.card_type == "desfire"


# --- views ------------------------------------------------------------------------------------
def receipt(uow: UnitOfWork, replacement_id: str) -> dict[str, Any]:
    row = uow.media.replacement(replacement_id)
    if row is None:
        raise NotFound(f"no replacement {replacement_id}")
    late = []
    if row["held_instrument"] is not None:
        late = [t for t in uow.reports.history(row["held_instrument"], 500)
                if t["op"] in ("redeem", "void")]  # fmt: skip
    reading = None
    if row["reading_value"] is not None:
        reading = {"value": row["reading_value"], "counter": row["reading_counter"]}
    return {
        "id": row["id"], "instrument": row["instrument_id"], "old_uid": row["old_uid"],
        "new_uid": row["new_uid"], "reason": row["reason"], "store": row["store_id"],
        "by_user": row["by_user"], "created_at": row["created_at"],
        "window_until": row["window_until"], "held_amount": row["held_amount"],
        "state": row["state"], "closed_at": row["closed_at"], "moved": row["moved"],
        "spent_late": row["spent_late"], "reading": reading, "late_taps": late,
    }  # fmt: skip


def medium_view(m: Medium, created_at: int, changed_at: int) -> dict[str, Any]:
    return {
        "uid": m.uid, "instrument": m.instrument, "card_type": m.card_type,
        "state": str(m.state), "window_until": m.window_until, "created_at": created_at,
        "changed_at": changed_at,
    }  # fmt: skip


def media_of(uow: UnitOfWork, instrument: str) -> list[dict[str, Any]]:
    if uow.reports.instrument(instrument) is None:
        raise NotFound(f"no instrument {instrument}")
    return [medium_view(r.medium, r.created_at, r.changed_at)
            for r in uow.media.of_instrument(instrument)]  # fmt: skip


def card(uow: UnitOfWork, uid: str) -> dict[str, Any]:
    """A card by UID: its medium and its instrument (a card issued before media existed is
    shown as the instrument it is named after)."""
    row = uow.media.get(uid)
    if row is not None:
        view = medium_view(row.medium, row.created_at, row.changed_at)
    else:
        inst = uow.reports.instrument(default_instrument(uid))
        if inst is None:
            raise NotFound(f"no card {uid}")
        view = {"uid": uid, "instrument": inst["id"], "card_type": None, "state": "active",
                "window_until": None, "created_at": inst["issued_at"],
                "changed_at": inst["issued_at"]}  # fmt: skip
    instrument = uow.reports.instrument(view["instrument"])
    assert instrument is not None
    view["balance"] = instrument["balance"]
    view["instrument_status"] = instrument["status"]
    view["program"] = instrument["program"]
    view["pending_updates"] = sum(u.amount for u in uow.media.updates_of(view["instrument"]))
    return view
