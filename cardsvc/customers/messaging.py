"""Messages to customers, rendered from vi/en templates (messages.json) into the outbox.

A message is enqueued once per kind, customer and key (the key of the reward it announces), only
for an active customer who consented to hear from the chain and has somewhere to receive it:
e-mail when they gave an address, else a short message to their phone. The outbox run
(outbox.py) sends it.
"""

from __future__ import annotations

from pathlib import Path

from cardsvc.customers.service import Customers
from cardsvc.protocol.text import Catalogue, grouped
from cardsvc.storage.customers import CustomerRow
from cardsvc.storage.messages import MessageRow

CATALOGUE = Catalogue.load(Path(__file__).parent / "messages.json")
KINDS = ("birthday_greeting", "tier_change", "points_expiring", "referral_reward",
         "feedback_thanks")  # fmt: skip


def points(lang: str, n: int) -> str:
    """1.200 điểm / 1,200 points."""
    shown = grouped(n) if lang == "vi" else f"{n:,}"
    return CATALOGUE.t(lang, "points", n=shown)


def render(kind: str, lang: str, name: str, **values: object) -> tuple[str, str]:
    """Subject and body of a message of `kind` in `lang`."""
    assert kind in KINDS, kind
    shown = {k: points(lang, v) if k == "points" and isinstance(v, int) else v
             for k, v in values.items()}  # fmt: skip
    subject = CATALOGUE.t(lang, f"{kind}.subject", name=name, **shown)
    body = CATALOGUE.t(lang, f"{kind}.body", name=name, **shown)
    return subject, body + "\n\n-- \n" + CATALOGUE.t(lang, "footer")


def channel_of(row: CustomerRow) -> tuple[str, str] | None:
    if row.email:
        return "email", row.email
    if row.phone:
        return "sms", row.phone
    return None


def enqueue(c: Customers, kind: str, customer_id: str, key: str, **values: object) -> bool:
    """Queue a message of `kind` for the customer, once per key; False when it is not sent
    (no consent, not active, no address, or queued before)."""
    now = c.clock()
    with c.db.write() as uow:
        row = uow.customers.get(customer_id)
        if row is None or row.status != "active" or not row.consent:
            return False
        where = channel_of(row)
        if where is None:
            return False
        subject, body = render(kind, row.lang, row.name, **values)
        message = MessageRow(
            key=f"{kind}:{row.id}:{key}"[:160], customer_id=row.id, kind=kind, channel=where[0],
            lang=row.lang, address=where[1], subject=subject[:200], body=body, status="pending",
            attempts=0, next_at=now, lease_until=None, last_error=None, created_at=now,
            sent_at=None,
        )  # fmt: skip
        return uow.messages.enqueue(message)
