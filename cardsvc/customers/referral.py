"""The referral run: decide every open referral from the journal and apply the decision.

Idempotent: run it as often as wanted (after every offline sync, hourly, daily). Rewards are
keyed by the referred customer (referral:<new>:referrer / :referred), so a referral pays each
side at most once whatever the number of runs, retries or late syncs; a decision is written in
the same unit of work that records the rewards, under a lock of the referral row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from cardsvc.customers import messaging, rewards
from cardsvc.customers.referral_rules import Decision, Purchase, Refund, Terms, decide
from cardsvc.customers.service import Customers
from cardsvc.storage.customer_rewards import ReferralRow
from cardsvc.storage.unit_of_work import UnitOfWork

DAY = 86_400
BATCH = 200
SYNC_GRACE_DAYS = 7  # an offline till's sale may reach the ledger this late


@dataclass
class ReferralReport:
    rewarded: int = 0
    capped: int = 0
    reversed: int = 0
    expired: int = 0
    waiting: int = 0
    keys: list[str] = field(default_factory=list)


def terms(c: Customers) -> Terms:
    s = c.settings
    return Terms(s.referral_min_purchase, s.referral_within_days * DAY,
                 s.return_window_days * DAY, s.referral_monthly_cap, SYNC_GRACE_DAYS * DAY)


def month_bounds(now: int, tz: str) -> tuple[int, int]:
    """[first second of this calendar month, first of the next) in zone `tz`."""
    local = datetime.fromtimestamp(now, ZoneInfo(tz))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return int(start.timestamp()), int(nxt.timestamp())


def _decision(uow: UnitOfWork, c: Customers, ref: ReferralRow, now: int) -> Decision:
    t = terms(c)
    window_end = ref.signed_up_at + t.within_s
    rows = uow.customer_rewards.purchases_of(ref.customer_id, ref.signed_up_at, window_end)
    purchases = [Purchase(p.tx_id, p.at, p.amount) for p in rows]
    refunds = [Refund(r.ref, r.at)
               for r in uow.customer_rewards.reversals_of([p.tx_id for p in purchases])]
    since, until = month_bounds(now, c.settings.tz)
    paid = uow.customer_rewards.count_rewards(ref.referrer_id, "referrer", since, until)
    return decide(ref.status, ref.signed_up_at, ref.qualifying_tx, purchases, refunds, paid,
                  now, t)  # fmt: skip


def run(c: Customers) -> ReferralReport:
    report, after = ReferralReport(), ""
    while True:
        with c.db.read() as uow:
            batch = uow.customer_rewards.referrals(("pending", "rewarded"), after, BATCH)
        for ref in batch:
            _one(c, ref.customer_id, report)
        if len(batch) < BATCH:
            return report
        after = batch[-1].customer_id


def _one(c: Customers, customer_id: str, report: ReferralReport) -> None:
    now = c.clock()
    s = c.settings
    keys: list[tuple[str, str, str, int]] = []  # (key, customer, kind, points) to credit
    with c.db.write() as uow:
        ref = uow.customer_rewards.referral(customer_id, for_update=True)
        if ref is None or ref.status not in ("pending", "rewarded"):
            return
        d = _decision(uow, c, ref, now)
        if d.action == "reward":
            assert d.purchase is not None
            referred = (f"referral:{ref.customer_id}:referred", ref.customer_id, "referred",
                        s.referral_points_referred)  # fmt: skip
            keys.append(referred)
            if d.referrer_rewarded:
                keys.append((f"referral:{ref.customer_id}:referrer", ref.referrer_id,
                             "referrer", s.referral_points_referrer))  # fmt: skip
            for key, who, kind, points in keys:
                uow.customer_rewards.add_reward(key, who, kind, "", points, now)
            uow.customer_rewards.decide_referral(
                ref.customer_id, "rewarded", now, tx=d.purchase.tx_id, purchase_at=d.purchase.at,
                reason=None if d.referrer_rewarded else "monthly_cap")
            report.rewarded += 1
            report.capped += not d.referrer_rewarded
        elif d.action == "reverse":
            uow.customer_rewards.decide_referral(ref.customer_id, "reversed", now,
                                                 reason="refunded")  # fmt: skip
            report.reversed += 1
        elif d.action == "expire":
            uow.customer_rewards.decide_referral(ref.customer_id, "expired", now)
            report.expired += 1
        else:
            report.waiting += 1
            return
    if d.action == "reward":
        for key, who, _kind, points in keys:
            rewards.settle(c, key)
            messaging.enqueue(c, "referral_reward", who, key, points=points)
            report.keys.append(key)
    elif d.action == "reverse":
        for side in ("referred", "referrer"):
            rewards.reverse(c, f"referral:{customer_id}:{side}")
