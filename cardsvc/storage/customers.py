"""Customer records, the instruments they own and their audit trail: the rows behind
`cardsvc.customers`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from cardsvc.storage.customer_tables import (
    customer_events,
    customer_instruments,
    customers,
)
from cardsvc.storage.schema import instruments

LIST_MAX = 1000  # the most rows one listing returns


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: str
    name: str
    phone: str | None
    email: str | None
    birth_day: int | None
    birth_month: int | None
    birth_year: int | None
    gender: str | None
    lang: str
    tz: str
    home_store: str | None
    referral_code: str
    referred_by: str | None
    status: str
    merged_into: str | None
    consent: bool
    consent_at: int | None
    consent_via: str | None
    created_at: int
    created_via: str
    created_by: str | None
    updated_at: int


@dataclass(frozen=True, slots=True)
class OwnedInstrument:
    id: str
    kind: str
    unit: str
    balance: int
    status: str
    program_id: str
    linked_at: int


@dataclass(frozen=True, slots=True)
class EventRow:
    kind: str
    detail: dict[str, Any]
    by_whom: str | None
    at: int


_COLUMNS = [customers.c[f.name] for f in fields(CustomerRow)]


def _row(r: Any) -> CustomerRow:
    values = dict(r._mapping)
    values["consent"] = bool(values["consent"])
    return CustomerRow(**values)


class CustomerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, row: CustomerRow) -> bool:
        """Insert; False when the phone or referral code is taken (nothing is written then).
        A savepoint keeps the surrounding transaction usable after the refusal (PostgreSQL
        aborts a transaction on any failed statement)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(customers).values(**_values(row)))
        except IntegrityError:
            return False
        return True

    def get(self, customer_id: str, *, for_update: bool = False) -> CustomerRow | None:
        q = select(*_COLUMNS).where(customers.c.id == customer_id)
        if for_update:
            q = q.with_for_update()
        r = self.conn.execute(q).first()
        return None if r is None else _row(r)

    def by_phone(self, e164: str) -> CustomerRow | None:
        r = self.conn.execute(select(*_COLUMNS).where(customers.c.phone == e164)).first()
        return None if r is None else _row(r)

    def by_referral_code(self, code: str) -> CustomerRow | None:
        q = select(*_COLUMNS).where(customers.c.referral_code == code)
        r = self.conn.execute(q).first()
        return None if r is None else _row(r)

    def referral_code_taken(self, code: str) -> bool:
        q = select(customers.c.id).where(customers.c.referral_code == code)
        return self.conn.execute(q).first() is not None

    def update(self, customer_id: str, values: dict[str, Any]) -> bool:
        """Change columns; False when a new phone belongs to someone else (nothing changes)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    update(customers).where(customers.c.id == customer_id).values(**values)
                )
        except IntegrityError:
            return False
        return True

    def listing(
        self, *, store: str | None = None, after: str = "", limit: int = 100,
        status: str | None = "active",
    ) -> list[CustomerRow]:
        """Customers in id order after `after` (keyset paging), optionally of one home store."""
        q = select(*_COLUMNS).where(customers.c.id > after)
        if store is not None:
            q = q.where(customers.c.home_store == store)
        if status is not None:
            q = q.where(customers.c.status == status)
        q = q.order_by(customers.c.id).limit(min(limit, LIST_MAX))
        return [_row(r) for r in self.conn.execute(q)]

    def with_birthday_in(self, months: Sequence[int], after: str, limit: int) -> list[CustomerRow]:
        """Active customers born in `months`, in id order after `after`."""
        q = (
            select(*_COLUMNS)
            .where(customers.c.birth_month.in_(list(months)), customers.c.status == "active",
                   customers.c.id > after)
            .order_by(customers.c.id)
            .limit(min(limit, LIST_MAX))
        )  # fmt: skip
        return [_row(r) for r in self.conn.execute(q)]

    def count(self, status: str = "active") -> int:
        q = select(func.count()).select_from(customers).where(customers.c.status == status)
        return int(self.conn.execute(q).scalar_one())

    # --- instruments ---------------------------------------------------------------------------

    def owner_of(self, instrument_id: str) -> str | None:
        q = select(customer_instruments.c.customer_id).where(
            customer_instruments.c.instrument_id == instrument_id
        )
        found = self.conn.execute(q).scalar_one_or_none()
        return None if found is None else str(found)

    def link(self, instrument_id: str, customer_id: str, at: int, by: str | None) -> bool:
        """Give an instrument to a customer; False if it already belongs to someone."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(customer_instruments).values(
                    instrument_id=instrument_id, customer_id=customer_id, linked_at=at,
                    linked_by=by))  # fmt: skip
        except IntegrityError:
            return False
        return True

    def move_instruments(self, from_id: str, to_id: str) -> int:
        c = customer_instruments.c
        done = self.conn.execute(
            update(customer_instruments).where(c.customer_id == from_id).values(customer_id=to_id)
        )
        return int(done.rowcount)

    def instruments_of(self, customer_id: str) -> list[OwnedInstrument]:
        ci, i = customer_instruments.c, instruments.c
        q = (
            select(ci.instrument_id, i.kind, i.unit, i.balance, i.status, i.program_id,
                   ci.linked_at)
            .join(instruments, i.id == ci.instrument_id)
            .where(ci.customer_id == customer_id)
            .order_by(ci.linked_at, ci.instrument_id)
        )  # fmt: skip
        return [OwnedInstrument(*r) for r in self.conn.execute(q)]

    def linked_ids(self, customer_id: str) -> list[str]:
        """Every instrument id linked to the customer (issued in the ledger or not yet)."""
        ci = customer_instruments.c
        q = select(ci.instrument_id).where(ci.customer_id == customer_id)
        return [str(r[0]) for r in self.conn.execute(q)]

    # --- audit ---------------------------------------------------------------------------------

    def event(
        self, customer_id: str, kind: str, detail: dict[str, Any], by: str | None, at: int
    ) -> None:
        self.conn.execute(insert(customer_events).values(
            customer_id=customer_id, kind=kind, detail=json.dumps(detail, ensure_ascii=False),
            by_whom=by, at=at))  # fmt: skip

    def events_of(self, customer_id: str, limit: int = LIST_MAX) -> list[EventRow]:
        e = customer_events.c
        q = (select(e.kind, e.detail, e.by_whom, e.at).where(e.customer_id == customer_id)
             .order_by(e.id).limit(limit))  # fmt: skip
        return [EventRow(r.kind, json.loads(r.detail), r.by_whom, r.at)
                for r in self.conn.execute(q)]  # fmt: skip

    def scrub_events(self, customer_id: str) -> None:
        """Erasure: the trail keeps what happened and when, not the personal data it named."""
        e = customer_events.c
        self.conn.execute(
            update(customer_events).where(e.customer_id == customer_id).values(detail="{}")
        )


def _values(row: CustomerRow) -> dict[str, Any]:
    return {f.name: getattr(row, f.name) for f in fields(CustomerRow)}
