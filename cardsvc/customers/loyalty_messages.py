"""Messages about a customer's loyalty, from loyalty's own view of their member card (run
daily, idempotent): the tier changed (one message per change: its key is the change's
transaction), and points expiring within 30 days (at most one message a month: its key is the
month)."""

from __future__ import annotations

from dataclasses import dataclass

from cardsvc.customers import messaging
from cardsvc.customers.birthdays import local_day
from cardsvc.customers.rewards import member_card
from cardsvc.customers.service import Customers
from cardsvc.services import loyalty
from cardsvc.services.errors import ServiceError
from cardsvc.storage.customers import CustomerRow

PAGE = 500
RECENT_S = 7 * 86_400  # a tier change older than this is not announced any more


@dataclass
class LoyaltyMessages:
    tier_changes: int = 0
    expiring: int = 0


def run(c: Customers) -> LoyaltyMessages:
    report, after = LoyaltyMessages(), ""
    while True:
        with c.db.read() as uow:
            batch = uow.customers.listing(after=after, limit=PAGE)
        for row in batch:
            if row.consent:
                _one(c, row, report)
        if len(batch) < PAGE:
            return report
        after = batch[-1].id


def _one(c: Customers, row: CustomerRow, report: LoyaltyMessages) -> None:
    card, _ = member_card(c, row.id)
    if card is None:
        return
    now = c.clock()
    with c.db.read() as uow:
        try:
            view = loyalty.member_view(uow, card, now)
        except ServiceError:
            return  # no loyalty rules for this card's program
    for change in view.history:
        if change.from_tier != change.to_tier and now - change.at <= RECENT_S:
            sent = messaging.enqueue(c, "tier_change", row.id, f"{card}:{change.tx_id}",
                                     tier=change.to_tier)  # fmt: skip
            report.tier_changes += sent
    if view.expiring_soon > 0:
        day = local_day(view.expiring_before, row.tz)
        month = local_day(now, row.tz).strftime("%Y-%m")
        sent = messaging.enqueue(c, "points_expiring", row.id, f"{card}:{month}",
                                 points=view.expiring_soon, date=day.strftime("%d/%m/%Y"))
        report.expiring += sent
