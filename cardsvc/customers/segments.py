"""Segments: recency, frequency and spend per customer from the journal (purchases made with
the customer's instruments over the last year), and the groups the chain acts on.

- new: signed up within the last 30 days;
- active: bought within the last 30 days;
- at_risk: last bought 31 to 90 days ago;
- lost: last bought more than 90 days ago, or never, and not new;
- top_spenders: the 10 % who spent most over the year (on top of one of the above).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from cardsvc.storage.unit_of_work import UnitOfWork

DAY = 86_400
YEAR_S = 365 * DAY
NEW_S, ACTIVE_S, AT_RISK_S = 30 * DAY, 30 * DAY, 90 * DAY
TOP_SHARE = 0.10
SEGMENTS = ("new", "active", "at_risk", "lost", "top_spenders")
PAGE = 1000
CUSTOMERS_MAX = 1_000_000  # a bound on one computation (chains of this system: far fewer)


@dataclass(frozen=True)
class Rfm:
    customer_id: str
    home_store: str | None
    created_at: int
    last_purchase: int | None
    purchases: int  # over the last year
    spend: int  # đồng over the last year
    segment: str  # new, active, at_risk or lost
    top: bool = False


def segment_of(created_at: int, last_purchase: int | None, now: int) -> str:
    if last_purchase is not None and now - last_purchase <= ACTIVE_S:
        return "active"
    if now - created_at <= NEW_S:
        return "new"
    if last_purchase is not None and now - last_purchase <= AT_RISK_S:
        return "at_risk"
    return "lost"


def top_threshold(spends: list[int], share: float = TOP_SHARE) -> int | None:
    """The least spend that is in the top `share` (None when nobody spent anything)."""
    positive = sorted((s for s in spends if s > 0), reverse=True)
    if not positive:
        return None
    return positive[max(1, int(len(positive) * share)) - 1]


def compute(uow: UnitOfWork, now: int) -> list[Rfm]:
    activity = {a[0]: a for a in uow.customer_rewards.activity(now - YEAR_S)}
    rows: list[Rfm] = []
    after = ""
    while len(rows) < CUSTOMERS_MAX:
        batch = uow.customers.listing(after=after, limit=PAGE)
        for c in batch:
            seen = activity.get(c.id)
            last, count, spend = (seen[1], seen[2], seen[3]) if seen else (None, 0, 0)
            rows.append(Rfm(c.id, c.home_store, c.created_at, last, count, spend,
                            segment_of(c.created_at, last, now)))  # fmt: skip
        if len(batch) < PAGE:
            break
        after = batch[-1].id
    cut = top_threshold([r.spend for r in rows])
    if cut is None:
        return rows
    return [Rfm(**{**r.__dict__, "top": r.spend >= cut and r.spend > 0}) for r in rows]


def in_segment(r: Rfm, segment: str) -> bool:
    return r.top if segment == "top_spenders" else r.segment == segment


def counts_by_store(rows: list[Rfm]) -> dict[str, dict[str, int]]:
    """{home store ("" when none): {segment: customers}} with every segment named."""
    out: dict[str, Counter[str]] = {}
    for r in rows:
        tally = out.setdefault(r.home_store or "", Counter())
        tally[r.segment] += 1
        tally["top_spenders"] += r.top
    return {store: {s: int(tally[s]) for s in SEGMENTS} for store, tally in sorted(out.items())}


def members(rows: list[Rfm], segment: str, store: str | None = None) -> list[Rfm]:
    assert segment in SEGMENTS, segment
    return [r for r in rows if in_segment(r, segment) and (store is None or r.home_store == store)]
