"""Personal data rights (Vietnam's Decree 13/2023 on personal data protection): a customer's
data exported on request, and erasure that anonymises the person while the ledger keeps every
amount and posting (the instruments stay, linked to a record that no longer names anyone).

Both are recorded in the customer's trail with who did them."""

from __future__ import annotations

from typing import Any

from cardsvc.customers.errors import CustomerConflict
from cardsvc.customers.records import get
from cardsvc.storage.unit_of_work import UnitOfWork

ERASED_NAME = ""


def export(uow: UnitOfWork, customer_id: str, now: int, by: str) -> dict[str, Any]:
    """Everything stored about the customer, as one JSON-ready document."""
    row = get(uow, customer_id)
    data: dict[str, Any] = {
        "customer": {k: getattr(row, k) for k in row.__slots__},
        "instruments": [
            {"id": i.id, "kind": i.kind, "unit": i.unit, "balance": i.balance,
             "status": i.status, "program": i.program_id, "linked_at": i.linked_at}
            for i in uow.customers.instruments_of(row.id)
        ],
        "events": [{"kind": e.kind, "detail": e.detail, "by": e.by_whom, "at": e.at}
                   for e in uow.customers.events_of(row.id)],
        "rewards": [{k: getattr(r, k) for k in r.__slots__}
                    for r in uow.customer_rewards.rewards_of(row.id)],
        "referral": _referral(uow, row.id),
        "feedback": [{k: getattr(f, k) for k in f.__slots__}
                     for f in uow.feedback.of_customer(row.id)],
        "messages": [{"key": m.key, "kind": m.kind, "channel": m.channel, "address": m.address,
                      "subject": m.subject, "status": m.status, "created_at": m.created_at,
                      "sent_at": m.sent_at} for m in uow.messages.of_customer(row.id)],
        "exported_at": now,
    }  # fmt: skip
    uow.customers.event(row.id, "exported", {}, by, now)
    return data


def _referral(uow: UnitOfWork, customer_id: str) -> dict[str, Any] | None:
    r = uow.customer_rewards.referral(customer_id)
    return None if r is None else {k: getattr(r, k) for k in r.__slots__}


def erase(uow: UnitOfWork, customer_id: str, now: int, by: str) -> None:
    """Anonymise: name, phone, e-mail, birthday, gender and consent go; feedback comments and
    message contents are blanked; queued messages are cancelled. Instruments, balances, rewards
    and the ledger's postings stay exactly as they were."""
    row = get(uow, customer_id)
    if row.status == "erased":
        raise CustomerConflict("not_active", f"customer {customer_id} is erased already")
    uow.messages.skip_pending_of(row.id, "customer erased")
    uow.messages.scrub(row.id)
    uow.feedback.scrub(row.id)
    uow.customers.scrub_events(row.id)
    uow.customers.update(row.id, {
        "name": ERASED_NAME, "phone": None, "email": None, "birth_day": None,
        "birth_month": None, "birth_year": None, "gender": None, "consent": False,
        "consent_at": now, "consent_via": "erased", "status": "erased", "updated_at": now,
    })  # fmt: skip
    uow.customers.event(row.id, "erased", {}, by, now)
