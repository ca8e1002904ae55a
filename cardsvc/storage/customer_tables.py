"""Customer tables (revision 0005): records, their instruments and audit trail, referrals,
rewards, feedback with follow-up cases, and the message outbox.

The ledger's journal is never touched by anything here: erasing a customer anonymises the
`customers` row and keeps `customer_instruments`, so amounts and postings stay intact.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from cardsvc.storage.schema import AUTO_ID, ID, metadata

KEY = 160  # idempotency keys: "<kind>:<customer>:<period>" and the like

customers = Table(
    "customers",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(20), unique=True),  # E.164; None once erased
    Column("email", String(254)),
    Column("birth_day", Integer),
    Column("birth_month", Integer),
    Column("birth_year", Integer),  # optional: many people do not give it
    Column("gender", String(16)),
    Column("lang", String(8), nullable=False),
    Column("tz", String(64), nullable=False),  # IANA zone the birthday is counted in
    Column("home_store", String(ID)),
    Column("referral_code", String(16), nullable=False, unique=True),
    Column("referred_by", String(ID)),
    Column("status", String(16), nullable=False),  # active, merged, erased
    Column("merged_into", String(ID)),
    Column("consent", Boolean, nullable=False),  # marketing messages
    Column("consent_at", BigInteger),
    Column("consent_via", String(32)),  # counter, page, import, api, message link
    Column("created_at", BigInteger, nullable=False),
    Column("created_via", String(16), nullable=False),
    Column("created_by", String(ID)),  # the person or terminal that signed them up
    Column("updated_at", BigInteger, nullable=False),
)
Index("ix_customers_birth_month", customers.c.birth_month, customers.c.birth_day)
Index("ix_customers_home_store", customers.c.home_store)

customer_instruments = Table(
    "customer_instruments",
    metadata,
    # An instrument belongs to at most one customer; a customer has any number of them.
    Column("instrument_id", String(ID), primary_key=True),
    Column("customer_id", String(ID), ForeignKey("customers.id"), nullable=False),
    Column("linked_at", BigInteger, nullable=False),
    Column("linked_by", String(ID)),
)
Index("ix_customer_instruments_customer", customer_instruments.c.customer_id)

customer_events = Table(
    "customer_events",
    metadata,
    # The audit trail: created, updated, consent, linked, merged, exported, erased.
    Column("id", AUTO_ID, primary_key=True, autoincrement=True),
    Column("customer_id", String(ID), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("detail", Text, nullable=False),  # JSON
    Column("by_whom", String(ID)),
    Column("at", BigInteger, nullable=False),
)
Index("ix_customer_events_customer", customer_events.c.customer_id)

referrals = Table(
    "referrals",
    metadata,
    # One row per referred customer: at most one referrer, decided at most once.
    Column("customer_id", String(ID), primary_key=True),
    Column("referrer_id", String(ID), nullable=False),
    Column("signed_up_at", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # pending, rewarded, reversed, refused, expired
    Column("reason", String(40)),
    Column("qualifying_tx", String(ID)),
    Column("purchase_at", BigInteger),
    Column("decided_at", BigInteger),
)
Index("ix_referrals_referrer", referrals.c.referrer_id)

rewards = Table(
    "customer_rewards",
    metadata,
    # The key is the reward's identity (referral:<new>:referrer, birthday:<cust>:<year>,
    # feedback:<receipt>): inserting it twice fails, so a reward is granted once.
    Column("key", String(KEY), primary_key=True),
    Column("customer_id", String(ID), nullable=False),
    Column("kind", String(16), nullable=False),  # referrer, referred, birthday, feedback
    Column("period", String(16), nullable=False),  # the year of a birthday; else ""
    Column("points", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # pending, granted, reversed
    Column("instrument_id", String(ID)),
    Column("tx_id", String(ID)),
    Column("created_at", BigInteger, nullable=False),
    Column("granted_at", BigInteger),
    Column("reversed_at", BigInteger),
)
Index("ix_customer_rewards_customer", rewards.c.customer_id, rewards.c.kind)
Index("ix_customer_rewards_status", rewards.c.status)

feedback = Table(
    "feedback",
    metadata,
    Column("receipt_id", String(ID), primary_key=True),  # one answer per receipt
    Column("store_id", String(ID), nullable=False),
    Column("customer_id", String(ID)),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("at", BigInteger, nullable=False),
)
Index("ix_feedback_store", feedback.c.store_id, feedback.c.at)

followup_cases = Table(
    "followup_cases",
    metadata,
    Column("id", AUTO_ID, primary_key=True, autoincrement=True),
    Column("receipt_id", String(ID), nullable=False, unique=True),
    Column("store_id", String(ID), nullable=False),
    Column("customer_id", String(ID)),
    Column("rating", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # open, contacted, resolved
    Column("opened_at", BigInteger, nullable=False),
    Column("contacted_at", BigInteger),
    Column("resolved_at", BigInteger),
)
Index("ix_followup_cases_store", followup_cases.c.store_id, followup_cases.c.status)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", AUTO_ID, primary_key=True, autoincrement=True),
    Column("case_id", AUTO_ID, ForeignKey("followup_cases.id"), nullable=False),
    Column("status", String(16), nullable=False),  # the status the note moved the case to
    Column("note", Text, nullable=False),
    Column("by_whom", String(ID), nullable=False),
    Column("at", BigInteger, nullable=False),
)
Index("ix_case_notes_case", case_notes.c.case_id)

messages = Table(
    "messages",
    metadata,
    # The outbox. The key says what the message is for (birthday:<cust>:<year> ...): a message
    # is enqueued once and sent once.
    Column("key", String(KEY), primary_key=True),
    Column("customer_id", String(ID), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("channel", String(8), nullable=False),  # email, sms, zalo
    Column("lang", String(8), nullable=False),
    Column("address", String(254), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending, sending, sent, failed, skipped
    Column("attempts", Integer, nullable=False),
    Column("next_at", BigInteger, nullable=False),
    Column("lease_until", BigInteger),
    Column("last_error", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("sent_at", BigInteger),
)
Index("ix_messages_due", messages.c.status, messages.c.next_at)
Index("ix_messages_customer", messages.c.customer_id)
