"""Merging two records of one person: everything of the dropped record (cards and every
instrument with its balance and history, rewards, referrals, feedback, messages) moves to the
kept record; the dropped record stays, marked merged into the kept one, so old references
still lead somewhere. Both trails record the merge, with who did it."""

from __future__ import annotations

from dataclasses import dataclass

from cardsvc.customers.errors import CustomerConflict, CustomerInvalid, CustomerNotFound
from cardsvc.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Merged:
    kept: str
    dropped: str
    instruments: int


def merge(uow: UnitOfWork, keep_id: str, drop_id: str, now: int, by: str) -> Merged:
    if keep_id == drop_id:
        raise CustomerInvalid("merge_same", "a record cannot be merged into itself")
    # Locks in a fixed order (ids sorted): two merges of the same pair never deadlock.
    rows = {cid: uow.customers.get(cid, for_update=True) for cid in sorted((keep_id, drop_id))}
    keep, drop = rows[keep_id], rows[drop_id]
    if keep is None:
        raise CustomerNotFound(keep_id)
    if drop is None:
        raise CustomerNotFound(drop_id)
    for row in (keep, drop):
        if row.status != "active":
            raise CustomerConflict("not_active", f"customer {row.id} is {row.status}", row.id)
    moved = uow.customers.move_instruments(drop.id, keep.id)
    uow.customer_rewards.move_rewards(drop.id, keep.id)
    uow.customer_rewards.move_referrals(drop.id, keep.id)
    uow.feedback.move(drop.id, keep.id)
    uow.messages.move(drop.id, keep.id)
    fill = {f: getattr(drop, f) for f in ("email", "birth_day", "birth_month", "birth_year",
                                           "gender", "home_store")
            if getattr(keep, f) is None and getattr(drop, f) is not None}  # fmt: skip
    if fill.get("birth_day") is None or fill.get("birth_month") is None:
        fill = {k: v for k, v in fill.items() if not k.startswith("birth_")}
    # The dropped record gives up its phone, so the number leads to the kept record only.
    uow.customers.update(drop.id, {"status": "merged", "merged_into": keep.id, "phone": None,
                                   "updated_at": now})  # fmt: skip
    uow.customers.update(keep.id, {**fill, "updated_at": now})
    detail = {"kept": keep.id, "dropped": drop.id, "instruments": moved,
              "dropped_phone": drop.phone, "filled": sorted(fill)}  # fmt: skip
    uow.customers.event(keep.id, "merged", detail, by, now)
    uow.customers.event(drop.id, "merged", detail, by, now)
    return Merged(keep.id, drop.id, moved)
