"""Referrals and customer rewards (referral, birthday, feedback): the rows behind
`cardsvc.customers.rewards`, and what the journal says about a customer's purchases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from cardsvc.storage.customer_tables import customer_instruments, referrals, rewards
from cardsvc.storage.schema import transactions

LIST_MAX = 1000
PURCHASE_OPS = ("redeem", "capture", "purchase")  # what a customer buys with (or earns on)
# Purchases are what tills report (they carry a sequence number); what the service makes itself
# (reward clawbacks, staff actions) has none and is never a purchase.
REVERSAL_OPS = ("refund", "void")


@dataclass(frozen=True, slots=True)
class ReferralRow:
    customer_id: str
    referrer_id: str
    signed_up_at: int
    status: str
    reason: str | None
    qualifying_tx: str | None
    purchase_at: int | None
    decided_at: int | None


@dataclass(frozen=True, slots=True)
class RewardRow:
    key: str
    customer_id: str
    kind: str
    period: str
    points: int
    status: str
    instrument_id: str | None
    tx_id: str | None
    created_at: int
    granted_at: int | None
    reversed_at: int | None


@dataclass(frozen=True, slots=True)
class PurchaseRow:
    tx_id: str
    at: int  # when it happened (the till's time for an offline sale)
    amount: int
    store_id: str
    instrument_id: str


@dataclass(frozen=True, slots=True)
class ReversalRow:
    tx_id: str
    ref: str
    at: int


_REF_COLS = [referrals.c[n] for n in ReferralRow.__slots__]
_REW_COLS = [rewards.c[n] for n in RewardRow.__slots__]


class CustomerRewardRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- referrals -----------------------------------------------------------------------------

    def add_referral(self, customer_id: str, referrer_id: str, at: int) -> None:
        self.conn.execute(insert(referrals).values(
            customer_id=customer_id, referrer_id=referrer_id, signed_up_at=at, status="pending"))

    def referral(self, customer_id: str, *, for_update: bool = False) -> ReferralRow | None:
        q = select(*_REF_COLS).where(referrals.c.customer_id == customer_id)
        if for_update:
            q = q.with_for_update()
        r = self.conn.execute(q).first()
        return None if r is None else ReferralRow(*r)

    def referrals(self, statuses: Sequence[str], after: str, limit: int) -> list[ReferralRow]:
        q = (select(*_REF_COLS)
             .where(referrals.c.status.in_(list(statuses)), referrals.c.customer_id > after)
             .order_by(referrals.c.customer_id).limit(min(limit, LIST_MAX)))  # fmt: skip
        return [ReferralRow(*r) for r in self.conn.execute(q)]

    def referrals_by(self, referrer_id: str) -> list[ReferralRow]:
        q = select(*_REF_COLS).where(referrals.c.referrer_id == referrer_id)
        return [ReferralRow(*r) for r in self.conn.execute(q.limit(LIST_MAX))]

    def decide_referral(
        self, customer_id: str, status: str, at: int, *, reason: str | None = None,
        tx: str | None = None, purchase_at: int | None = None,
    ) -> None:
        values: dict[str, object] = {"status": status, "decided_at": at, "reason": reason}
        if tx is not None:
            values.update(qualifying_tx=tx, purchase_at=purchase_at)
        self.conn.execute(
            update(referrals).where(referrals.c.customer_id == customer_id).values(**values))

    def move_referrals(self, from_id: str, to_id: str) -> None:
        """A merge: what the dropped record referred now counts for the kept one."""
        self.conn.execute(update(referrals).where(referrals.c.referrer_id == from_id)
                          .values(referrer_id=to_id))  # fmt: skip

    # --- rewards -------------------------------------------------------------------------------

    def add_reward(
        self, key: str, customer_id: str, kind: str, period: str, points: int, at: int
    ) -> bool:
        """Record a reward to grant; False when its key exists (it was decided already)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(rewards).values(
                    key=key, customer_id=customer_id, kind=kind, period=period, points=points,
                    status="pending", created_at=at))  # fmt: skip
        except IntegrityError:
            return False
        return True

    def reward(self, key: str) -> RewardRow | None:
        r = self.conn.execute(select(*_REW_COLS).where(rewards.c.key == key)).first()
        return None if r is None else RewardRow(*r)

    def rewards_of(self, customer_id: str, kind: str | None = None) -> list[RewardRow]:
        q = select(*_REW_COLS).where(rewards.c.customer_id == customer_id)
        if kind is not None:
            q = q.where(rewards.c.kind == kind)
        return [RewardRow(*r) for r in self.conn.execute(q.order_by(rewards.c.created_at)
                                                         .limit(LIST_MAX))]  # fmt: skip

    def has_reward(self, customer_id: str, kind: str, period: str) -> bool:
        q = select(rewards.c.key).where(rewards.c.customer_id == customer_id,
                                        rewards.c.kind == kind, rewards.c.period == period)
        return self.conn.execute(q.limit(1)).first() is not None

    def count_rewards(self, customer_id: str, kind: str, since: int, until: int) -> int:
        """Rewards of `kind` to a customer created in [since, until), reversed ones excepted."""
        r = rewards.c
        q = select(func.count()).select_from(rewards).where(
            r.customer_id == customer_id, r.kind == kind, r.created_at >= since,
            r.created_at < until, r.status != "reversed")  # fmt: skip
        return int(self.conn.execute(q).scalar_one())

    def pending_rewards(self, after: str, limit: int) -> list[RewardRow]:
        q = (select(*_REW_COLS).where(rewards.c.status == "pending", rewards.c.key > after)
             .order_by(rewards.c.key).limit(min(limit, LIST_MAX)))  # fmt: skip
        return [RewardRow(*r) for r in self.conn.execute(q)]

    def mark_granted(self, key: str, instrument_id: str, tx_id: str, at: int) -> None:
        self.conn.execute(update(rewards).where(rewards.c.key == key).values(
            status="granted", instrument_id=instrument_id, tx_id=tx_id, granted_at=at))

    def mark_reversed(self, key: str, at: int) -> None:
        self.conn.execute(update(rewards).where(rewards.c.key == key)
                          .values(status="reversed", reversed_at=at))  # fmt: skip

    def move_rewards(self, from_id: str, to_id: str) -> None:
        self.conn.execute(update(rewards).where(rewards.c.customer_id == from_id)
                          .values(customer_id=to_id))  # fmt: skip

    # --- the journal, as the customer rules read it --------------------------------------------

    def purchases_of(self, customer_id: str, since: int, until: int) -> list[PurchaseRow]:
        """Successful purchases on the customer's instruments that happened in [since, until),
        by the till's own time, whenever they reached the ledger (an offline till syncs late)."""
        t, ci = transactions.c, customer_instruments.c
        happened = func.coalesce(t.occurred_at, t.at)
        q = (
            select(t.id, happened, t.amount, t.purchase_amount, t.store_id, t.instrument_id)
            .join(customer_instruments, ci.instrument_id == t.instrument_id)
            .where(ci.customer_id == customer_id, t.op.in_(PURCHASE_OPS), t.code == "ok",
                   t.seq.isnot(None), happened >= since, happened < until)
            .order_by(happened, t.id)
            .limit(LIST_MAX)
        )  # fmt: skip
        return [PurchaseRow(r[0], int(r[1]), max(int(r[2]), int(r[3])), r[4], r[5])
                for r in self.conn.execute(q)]  # fmt: skip

    def reversals_of(self, tx_ids: Sequence[str]) -> list[ReversalRow]:
        """Successful refunds and voids against any of `tx_ids`."""
        if not tx_ids:
            return []
        t = transactions.c
        q = (select(t.id, t.ref, func.coalesce(t.occurred_at, t.at))
             .where(t.ref.in_(list(tx_ids)), t.op.in_(REVERSAL_OPS), t.code == "ok")
             .limit(LIST_MAX))  # fmt: skip
        return [ReversalRow(r[0], r[1], int(r[2])) for r in self.conn.execute(q)]

    def activity(self, since: int) -> list[tuple[str, int, int, int, int]]:
        """Per customer with purchases since `since`: (customer, last purchase, purchases,
        spend, first purchase), from the journal (RFM for segments)."""
        t, ci = transactions.c, customer_instruments.c
        happened = func.coalesce(t.occurred_at, t.at)
        value = case((t.purchase_amount > t.amount, t.purchase_amount), else_=t.amount)
        spend = func.sum(value)
        q = (
            select(ci.customer_id, func.max(happened), func.count(), spend, func.min(happened))
            .join(customer_instruments, ci.instrument_id == t.instrument_id)
            .where(t.op.in_(PURCHASE_OPS), t.code == "ok", t.seq.isnot(None), happened >= since)
            .group_by(ci.customer_id)
        )  # fmt: skip
        return [(r[0], int(r[1]), int(r[2]), int(r[3] or 0), int(r[4]))
                for r in self.conn.execute(q)]  # fmt: skip
