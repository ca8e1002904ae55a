"""Referral rules, pure: given a referral, the referred customer's purchases as the journal has
them now (offline tills sync late, so later runs may see more) and what the referrer has been
paid this month, decide what happens. The run applies the decision; the reward keys make
applying it twice harmless.

- reward: the first purchase of at least `min_purchase` made within `within_s` of signing up
  qualifies (by when it happened at the till, not when it reached the ledger); both sides are
  rewarded, the referrer only while under the monthly cap.
- reverse: the qualifying purchase was refunded or voided within the return window.
- expire: nothing qualified and no late sync can still bring a purchase from the window.
- wait: nothing to do yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Terms:
    min_purchase: int
    within_s: int
    return_window_s: int
    monthly_cap: int
    sync_grace_s: int  # how late an offline till's sale may still arrive


@dataclass(frozen=True)
class Purchase:
    tx_id: str
    at: int  # when it happened at the till
    amount: int


@dataclass(frozen=True)
class Refund:
    ref: str  # the purchase it reverses
    at: int


@dataclass(frozen=True)
class Decision:
    action: Literal["reward", "reverse", "expire", "wait"]
    purchase: Purchase | None = None
    referrer_rewarded: bool = False  # reward: whether the referrer is paid (under the cap)


def qualifying(signed_up_at: int, purchases: Sequence[Purchase], t: Terms) -> Purchase | None:
    """The first purchase (by till time, then id) that qualifies, if any."""
    end = signed_up_at + t.within_s
    eligible = [p for p in purchases
                if signed_up_at <= p.at < end and p.amount >= t.min_purchase]  # fmt: skip
    return min(eligible, key=lambda p: (p.at, p.tx_id), default=None)


def decide(
    status: str, signed_up_at: int, qualified_tx: str | None, purchases: Sequence[Purchase],
    refunds: Sequence[Refund], referrer_paid_this_month: int, now: int, t: Terms,
) -> Decision:
    if status == "pending":
        found = qualifying(signed_up_at, purchases, t)
        if found is not None:
            under_cap = referrer_paid_this_month < t.monthly_cap
            return Decision("reward", found, referrer_rewarded=under_cap)
        if now >= signed_up_at + t.within_s + t.sync_grace_s:
            return Decision("expire")
        return Decision("wait")
    if status == "rewarded" and qualified_tx is not None:
        bought = next((p for p in purchases if p.tx_id == qualified_tx), None)
        if bought is not None and any(
            r.ref == qualified_tx and r.at <= bought.at + t.return_window_s for r in refunds
        ):
            return Decision("reverse", bought)
    return Decision("wait")
