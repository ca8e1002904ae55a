"""The daily birthday run: every customer whose birthday window (month or week, in their own
time zone) contains today gets the tier's birthday reward and a greeting, once per year.

Idempotent: any number of runs a day, on any host, in any zone: the reward's key is
birthday:<customer>:<year of the birthday>, recorded before anything is credited or sent, so a
second run finds it and does nothing. A merged record's reward of the year counts for the kept
record too (checked by customer, kind and year, not only by key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cardsvc.customers import messaging, rewards
from cardsvc.customers.birthdays import birthday_year, local_day, months_to_scan
from cardsvc.customers.service import Customers
from cardsvc.services import loyalty
from cardsvc.services.errors import ServiceError
from cardsvc.storage.customers import CustomerRow
from cardsvc.storage.unit_of_work import UnitOfWork

BATCH = 500


@dataclass
class BirthdayReport:
    rewarded: list[str] = field(default_factory=list)  # customer ids
    already: int = 0


def birthday_points(c: Customers, row: CustomerRow) -> int:
    """The birthday reward's size: the member tier's birthday bonus (loyalty), else the
    setting (no member card yet, no loyalty rules, or a tier without a bonus)."""
    card, _ = rewards.member_card(c, row.id)
    if card is not None:
        with c.db.read() as uow:
            try:
                bonus = loyalty.member_tier(uow, card, c.clock()).benefits.birthday_bonus
            except ServiceError:
                bonus = 0
        if bonus > 0:
            return int(bonus)
    return c.settings.birthday_points


def run(c: Customers) -> BirthdayReport:
    now = c.clock()
    s = c.settings
    report, after = BirthdayReport(), ""
    months = months_to_scan(local_day(now, s.tz))
    while True:
        with c.db.read() as uow:
            batch = uow.customers.with_birthday_in(months, after, BATCH)
        for row in batch:
            _one(c, row, now, report)
        if len(batch) < BATCH:
            return report
        after = batch[-1].id


def _one(c: Customers, row: CustomerRow, now: int, report: BirthdayReport) -> None:
    if row.birth_day is None or row.birth_month is None:
        return
    year = birthday_year(local_day(now, row.tz), row.birth_day, row.birth_month,
                         c.settings.birthday_window)  # fmt: skip
    if year is None:
        return
    with c.db.read() as uow:
        if uow.customer_rewards.has_reward(row.id, "birthday", str(year)):
            report.already += 1
            return
    key = f"birthday:{row.id}:{year}"
    points = birthday_points(c, row)
    granted = rewards.grant(c, key, row.id, "birthday", points, str(year))
    if granted.status == "exists":
        report.already += 1
        return
    messaging.enqueue(c, "birthday_greeting", row.id, key, points=points)
    report.rewarded.append(row.id)


def in_birthday_week(row: CustomerRow, now: int) -> bool:
    """The counter's banner: the customer's birthday is this week (their local week)."""
    if row.birth_day is None or row.birth_month is None:
        return False
    return birthday_year(local_day(now, row.tz), row.birth_day, row.birth_month, "week") is not None


def customer_badge(uow: UnitOfWork, instrument_id: str, now: int) -> dict[str, Any] | None:
    """Who a tapped card belongs to, for the counter: id, name, and the birthday banner."""
    owner = uow.customers.owner_of(instrument_id)
    row = uow.customers.get(owner) if owner is not None else None
    if row is None or row.status != "active":
        return None
    return {"id": row.id, "name": row.name, "birthday_week": in_birthday_week(row, now)}
