"""The back office's tables (revision 0008): sign-ins, browser sessions, the append-only audit
log, the chart-of-accounts mapping of the journal export, and the daily liability checks.
Declared on the ledger's one metadata (cardsvc.storage.schema imports this module)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from cardsvc.core.bounds import ATTEMPTS, EPOCH, LATE_EPOCH, ROW_ID
from cardsvc.storage.schema import AUTO_ID, ID, bounded, metadata

# A person's back-office sign-in, beside their API token (`users`): a memory-hard password
# hash, the failures since the last success (lock-out) and an optional TOTP second factor.
person_logins = Table(
    "person_logins",
    metadata,
    Column("person_id", String(ID), ForeignKey("users.id"), primary_key=True),
    Column("password_hash", String(255), nullable=False),  # scrypt$N$r$p$salt$hash
    Column("failures", Integer, nullable=False, info=bounded(ATTEMPTS)),
    Column("locked_until", BigInteger, info=bounded(LATE_EPOCH)),
    Column("totp_secret", String(64)),  # base32; None: no second factor
    Column("must_change", Boolean, nullable=False),  # set by an administrator's reset
    Column("changed_at", BigInteger, nullable=False, info=bounded(EPOCH)),
)

# Signed-in browsers. Only the SHA-256 of the cookie's value is kept; the CSRF token is per
# session and travels in every form.
backoffice_sessions = Table(
    "backoffice_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("person_id", String(ID), ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("verified", Boolean, nullable=False),  # password and (when set) TOTP both passed
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("expires_at", BigInteger, nullable=False, info=bounded(LATE_EPOCH)),
)
Index("ix_backoffice_sessions_person", backoffice_sessions.c.person_id)

# Every change made through the back office or the administration API: who, when, what, the
# state before and after (JSON). Only ever inserted into.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", AUTO_ID, primary_key=True, autoincrement=True, info=bounded(ROW_ID)),
    Column("at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("person_id", String(ID), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    Column("client", String(64), nullable=False),
)
Index("ix_audit_log_at", audit_log.c.at)
Index("ix_audit_log_target", audit_log.c.target)

# The chart of accounts the journal export maps ledger accounts to, by account kind (the part
# of a ledger account's name before ':'). Rows override the Vietnamese defaults.
account_map = Table(
    "account_map",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("updated_at", BigInteger, nullable=False, info=bounded(EPOCH)),
)

# The daily check that the liability report (instrument balances) equals the journal (the sum
# of the postings on those instruments' accounts). The newest row decides the red banner.
liability_checks = Table(
    "liability_checks",
    metadata,
    Column("id", AUTO_ID, primary_key=True, autoincrement=True, info=bounded(ROW_ID)),
    Column("at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("consistent", Boolean, nullable=False),
    Column("detail", Text, nullable=False),  # JSON: the programs that differ, and by how much
)
