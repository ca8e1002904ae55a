"""The database schema (SQLAlchemy Core). Alembic migrations are generated from this metadata.

Every integer column names its bound (cardsvc.core.bounds) with `info=bounded(...)`.

The journal is append-only: `transactions`, `postings` and `signed_requests` are only ever
inserted into. What changes about an earlier transaction (amount refunded against it, voided)
lives in `tx_reversals`; an instrument's current state lives in `instruments` and always
equals what its postings say (reports check it).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from cardsvc.core.bounds import (
    AMOUNT,
    BALANCE,
    BUDGET,
    CARD_COUNTER,
    CARD_VALUE,
    CODE_COUNT,
    EPOCH,
    EPOCH_MS,
    LATE_EPOCH,
    MILLI_TOKENS,
    POSITIVE_DURATION,
    POSTING,
    ROW_ID,
    SEQ,
    USES_LEFT,
    Bound,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def bounded(bound: Bound) -> dict[str, Bound]:
    """Column info naming the bound (cardsvc.core.bounds) its values keep. Every integer
    column names one; a test proves its type holds it on SQLite and PostgreSQL."""
    return {"bound": bound}


ID = 64  # ids are short strings chosen by terminals or the service
AUTO_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only

stores = Table(
    "stores",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
)

programs = Table(
    "programs",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("unit", String(8), nullable=False),
    # The terms an instrument is issued under (InstrumentSpec as JSON). Immutable once issued
    # against: a change of terms is a new program.
    Column("terms", Text, nullable=False),
    Column(
        "validity_s", BigInteger, info=bounded(POSITIVE_DURATION)
    ),  # issued instruments expire this long after issue
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
)

instruments = Table(
    "instruments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("program_id", String(ID), ForeignKey("programs.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("unit", String(8), nullable=False),
    Column("balance", BigInteger, nullable=False, info=bounded(BALANCE)),
    Column("status", String(16), nullable=False),
    Column("uses_left", Integer, info=bounded(USES_LEFT)),
    Column("last_used_at", BigInteger, info=bounded(EPOCH)),
    Column("issued_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("valid_from", BigInteger, info=bounded(EPOCH)),
    Column("valid_until", BigInteger, info=bounded(LATE_EPOCH)),
    Column("holds", Text, nullable=False, default="[]"),  # bounded list (Policy.max_holds)
    Column("store_id", String(ID)),  # where it was issued
    # A member instrument's loyalty state (revision 0012; NULL on every other instrument and
    # until a member first earns): kept in the card's own row, so a purchase reads and writes
    # one row, not two (benchmarks/RESULTS.md, loyalty). `balance` is the sum of its lots.
    Column("tier", String(32)),
    Column("floor_tier", String(32)),
    Column("tier_since", BigInteger, info=bounded(EPOCH)),
    # the next tier review (None: at the lowest tier)
    Column("review_at", BigInteger, info=bounded(LATE_EPOCH)),
    Column("debt", BigInteger, info=bounded(BALANCE)),
    Column("lots", Text),  # JSON [[expires_at, available_at, points], ...]
    Column("days", Text),  # JSON [[local day, spend, points], ...], 12 months
    Column("days_spend", BigInteger, info=bounded(BALANCE)),  # sums over `days`
    Column("days_points", BigInteger, info=bounded(BALANCE)),
    # the soonest lot expiry: what the expiry run looks for
    Column("next_expiry", BigInteger, info=bounded(LATE_EPOCH)),
    Column("member_updated_at", BigInteger, info=bounded(EPOCH)),
)
Index("ix_instruments_program", instruments.c.program_id)
Index("ix_instruments_next_expiry", instruments.c.next_expiry)
Index("ix_instruments_review_at", instruments.c.review_at)

terminals = Table(
    "terminals",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("store_id", String(ID), ForeignKey("stores.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # pending, active, disabled
    Column("enrollment_code_hash", String(128)),
    Column("enrollment_expires_at", BigInteger, info=bounded(LATE_EPOCH)),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
)

terminal_keys = Table(
    "terminal_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("terminal_id", String(ID), ForeignKey("terminals.id"), nullable=False),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column(
        "retire_at", BigInteger, info=bounded(LATE_EPOCH)
    ),  # after rotation: valid until then (overlap window)
    Column("revoked_at", BigInteger, info=bounded(EPOCH)),
)

signed_requests = Table(
    "signed_requests",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
        info=bounded(ROW_ID),
    ),
    Column("terminal_id", String(ID), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("created", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("nonce", String(64), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(200), nullable=False),
    Column("signature_input", Text, nullable=False),
    Column("signature", Text, nullable=False),
    Column("content_digest", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("received_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    UniqueConstraint("key_id", "nonce", name="uq_signed_requests_key_nonce"),  # replays
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("terminal_id", String(ID), nullable=False),
    Column(
        "seq", BigInteger, info=bounded(SEQ)
    ),  # the terminal's sequence number (None: made by the service)
    Column("store_id", String(ID), nullable=False),
    Column("op", String(16), nullable=False),
    Column("instrument_id", String(ID), nullable=False),
    Column("amount", BigInteger, nullable=False, info=bounded(AMOUNT)),
    Column("ref", String(ID)),
    Column("counterparty", String(ID)),
    Column("purchase_amount", BigInteger, nullable=False, info=bounded(AMOUNT)),
    Column("expires_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("funding", String(16), nullable=False),
    Column("program_id", String(ID)),  # issue: the program the instrument is issued under
    Column("linked", Boolean, nullable=False),
    Column("code", String(40), nullable=False),
    Column("balance_after", BigInteger, info=bounded(BALANCE)),
    Column("at", BigInteger, nullable=False, info=bounded(EPOCH)),  # when the ledger applied it
    Column(
        "occurred_at", BigInteger, info=bounded(EPOCH)
    ),  # when the terminal says it happened (offline taps)
    Column("request_id", BigInteger, info=bounded(ROW_ID)),  # the signed request that carried it
    Column("by_user", String(ID)),  # made by a person through the API (block, expire...)
    Column("card_uid", String(20)),  # offline-capable purse: the card's UID (hex)
    Column(
        "card_counter", BigInteger, info=bounded(CARD_COUNTER)
    ),  # ... and its transaction counter after this operation
    # loyalty operations: their inputs (excluded lines, tenders, reason) and what they did to
    # the member (points earned, lot, rules, spend, clawback), as JSON (storage/loyalty.py)
    Column("loyalty", Text),
    UniqueConstraint("terminal_id", "seq", name="uq_transactions_terminal_seq"),
)
Index("ix_transactions_instrument", transactions.c.instrument_id, transactions.c.at)
Index("ix_transactions_card", transactions.c.card_uid, transactions.c.card_counter)
# Rewards bought with points, counted per (campaign, item) for stock and per-member limits:
# partial, so the sales that are nearly every row never maintain it (revision 0011).
Index("ix_transactions_reward", transactions.c.program_id, transactions.c.ref,
      sqlite_where=text("op = 'reward'"), postgresql_where=text("op = 'reward'"))  # fmt: skip

postings = Table(
    "postings",
    metadata,
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
        info=bounded(ROW_ID),
    ),
    Column("tx_id", String(ID), nullable=False),
    Column("account", String(80), nullable=False),
    Column("unit", String(8), nullable=False),
    Column("amount", BigInteger, nullable=False, info=bounded(POSTING)),
    Column("at", BigInteger, nullable=False, info=bounded(EPOCH)),
)
Index("ix_postings_tx", postings.c.tx_id)
Index("ix_postings_account", postings.c.account)

tx_reversals = Table(
    "tx_reversals",
    metadata,
    Column("tx_id", String(ID), primary_key=True),
    Column("refunded", BigInteger, nullable=False, info=bounded(AMOUNT)),
    Column("voided", Boolean, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),  # admin, finance, staff
    Column("store_id", String(ID)),  # None: every store (admin, head-office finance)
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("disabled", Boolean, nullable=False, default=False),
)

# The ledger's mirror of each offline-capable purse card: the last counter and value the card
# reported. A counter that goes backwards (a restored or cloned card), a gap (operations the
# ledger never saw) or a value that differs from the mirror raises a card alert for finance.
card_mirror = Table(
    "card_mirror",
    metadata,
    Column("uid", String(20), primary_key=True),
    Column("instrument_id", String(ID), nullable=False),
    Column("counter", BigInteger, nullable=False, info=bounded(CARD_COUNTER)),
    Column("value", BigInteger, nullable=False, info=bounded(CARD_VALUE)),
    Column("updated_at", BigInteger, nullable=False, info=bounded(EPOCH)),
)

card_alerts = Table(
    "card_alerts",
    metadata,
    Column("id", AUTO_ID, primary_key=True, autoincrement=True, info=bounded(ROW_ID)),
    Column("uid", String(20), nullable=False),
    Column("instrument_id", String(ID), nullable=False),
    Column("tx_id", String(ID), nullable=False),
    Column("kind", String(16), nullable=False),  # replay, gap, divergence
    Column("detail", Text, nullable=False),
    Column("at", BigInteger, nullable=False, info=bounded(EPOCH)),
)

# --- gift cards, vouchers and e-tickets (revision 0002) -------------------------------------

campaigns = Table(
    "campaigns",
    metadata,
    # A run of printed codes under one program: a gift card series, a voucher promotion or an
    # e-ticket event. The program holds the ledger terms; the campaign what printing needs.
    Column("id", String(ID), primary_key=True),
    Column("kind", String(16), nullable=False),  # gift, voucher, eticket
    Column("program_id", String(ID), ForeignKey("programs.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column(
        "face_value", BigInteger, nullable=False, info=bounded(AMOUNT)
    ),  # gift / fixed voucher value; else 0
    Column(
        "budget", BigInteger, info=bounded(BUDGET)
    ),  # vouchers: the most the promotion may cost (None: no cap)
    Column(
        "committed", BigInteger, nullable=False, info=bounded(BUDGET)
    ),  # worst case of every code issued so far
    Column("gates", Text, nullable=False),  # e-tickets: JSON list of gate terminals ([]: any)
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("created_by", String(ID)),
)

code_batches = Table(
    "code_batches",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("campaign_id", String(ID), ForeignKey("campaigns.id"), nullable=False),
    Column("count", Integer, nullable=False, info=bounded(CODE_COUNT)),
    Column(
        "reserved", BigInteger, nullable=False, info=bounded(BUDGET)
    ),  # worst-case cost committed to the budget
    Column("status", String(16), nullable=False),  # reserved, issued, failed
    Column("issued", Integer, nullable=False, info=bounded(CODE_COUNT)),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("by_user", String(ID)),
)
Index("ix_code_batches_campaign", code_batches.c.campaign_id)

voucher_codes = Table(
    "voucher_codes",
    metadata,
    # Codes are bearer secrets: only HMAC-SHA256(pepper, code) is kept, never the code.
    Column("code_hash", String(64), primary_key=True),
    Column("instrument_id", String(ID), nullable=False, unique=True),
    Column("campaign_id", String(ID), ForeignKey("campaigns.id"), nullable=False),
    Column("batch_id", String(ID), ForeignKey("code_batches.id"), nullable=False),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
)
Index("ix_voucher_codes_campaign", voucher_codes.c.campaign_id)

# --- card media, replacements and ledger-to-card updates (revision 0003) --------------------

# A medium is one physical card (by UID); it belongs to one instrument for ever, and an
# instrument has a new medium over time (lost, stolen, damaged cards are replaced).
card_media = Table(
    "card_media",
    metadata,
    Column("uid", String(20), primary_key=True),
    Column("instrument_id", String(ID), nullable=False),
    Column("card_type", String(16), nullable=False),  # desfire, ntag, uid
    Column("state", String(16), nullable=False),  # active, lost, stolen, damaged, replaced
    Column("held_instrument", String(ID)),  # the old card's purse value during its window
    # late taps of the old card accepted until then
    Column("window_until", BigInteger, info=bounded(LATE_EPOCH)),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("changed_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("changed_by", String(ID)),
)
Index("ix_card_media_instrument", card_media.c.instrument_id)

# One row per replacement: the old and new medium, what was held for late taps, and, once the
# window closed, what moved to the new card (the receipt).
card_replacements = Table(
    "card_replacements",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("instrument_id", String(ID), nullable=False),
    Column("old_uid", String(20), nullable=False, unique=True),  # a medium is replaced once
    Column("new_uid", String(20), nullable=False, unique=True),
    Column("reason", String(16), nullable=False),  # lost, stolen, damaged
    Column("store_id", String(ID), nullable=False),
    Column("by_user", String(ID)),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("window_until", BigInteger, nullable=False, info=bounded(LATE_EPOCH)),
    Column("held_instrument", String(ID)),
    Column("held_amount", BigInteger, nullable=False, info=bounded(BALANCE)),
    # a damaged card read at the counter
    Column("reading_value", BigInteger, info=bounded(CARD_VALUE)),
    Column("reading_counter", BigInteger, info=bounded(CARD_COUNTER)),
    Column("state", String(16), nullable=False),  # holding, closed
    Column("closed_at", BigInteger, info=bounded(EPOCH)),
    # written to the new card when the window closed
    Column("moved", BigInteger, info=bounded(BALANCE)),
    Column("spent_late", BigInteger, info=bounded(BALANCE)),  # spent by late taps of the old card
)
Index("ix_card_replacements_open", card_replacements.c.state, card_replacements.c.window_until)

# Ledger-side changes to write to an instrument's card at its next tap, exactly once: the
# value already moved at the ledger; the card is brought in line with it (card_mirror).
card_updates = Table(
    "card_updates",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("instrument_id", String(ID), nullable=False),
    # signed: credit > 0, debit < 0
    Column("amount", BigInteger, nullable=False, info=bounded(POSTING)),
    Column("reason", String(16), nullable=False),  # adjustment, top_up, refund, expiry, move
    Column("source_tx", String(ID)),  # the ledger transaction that moved the value
    Column("note", String(200)),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("by_user", String(ID)),
    Column("state", String(16), nullable=False),  # pending, written, cancelled
    Column("written_tx", String(ID), unique=True),  # the terminal transaction that wrote it
    Column("written_uid", String(20)),
    Column("written_counter", BigInteger, info=bounded(CARD_COUNTER)),
    Column("written_at", BigInteger, info=bounded(EPOCH)),
)
Index("ix_card_updates_instrument", card_updates.c.instrument_id, card_updates.c.state)

# A till's torn purse operation whose card left and did not come back to it: the till reports
# what the card would show had it committed; the card's next appearance anywhere settles it
# (its counter taken by another operation: it did not happen; the next counter starting from
# its value after: it did, and is applied), or finance resolves it after a window.
card_torn = Table(
    "card_torn",
    metadata,
    Column("tx_id", String(ID), primary_key=True),
    Column("terminal_id", String(ID), nullable=False),
    Column("seq", BigInteger, nullable=False, info=bounded(SEQ)),
    Column("uid", String(20), nullable=False),
    # the card's counter had it committed
    Column("counter", BigInteger, nullable=False, info=bounded(CARD_COUNTER)),
    Column("before", BigInteger, nullable=False, info=bounded(CARD_VALUE)),
    Column("after", BigInteger, nullable=False, info=bounded(CARD_VALUE)),
    Column("body", Text, nullable=False),  # the transaction as the till would have sent it
    Column("request_id", BigInteger, info=bounded(ROW_ID)),  # the signed request that reported it
    Column("reported_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("state", String(16), nullable=False),  # open, committed, cancelled
    Column("settled_at", BigInteger, info=bounded(EPOCH)),
    Column("settled_by", String(ID)),  # the transaction whose card report settled it
)
Index("ix_card_torn_uid", card_torn.c.uid, card_torn.c.state)
# --- loyalty (revision 0004) -------------------------------------------------------------------

loyalty_rules = Table(
    "loyalty_rules",
    metadata,
    # One version of a program's loyalty rules (the id is the version): earning, lots, spending,
    # tiers. Immutable; in force from `effective_from` until the next version's.
    Column("id", AUTO_ID, primary_key=True, autoincrement=True, info=bounded(ROW_ID)),
    Column("program_id", String(ID), ForeignKey("programs.id"), nullable=False),
    Column("effective_from", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("rules", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("created_by", String(ID)),
    UniqueConstraint("program_id", "effective_from", name="uq_loyalty_rules_program_effective"),
)

# A member's loyalty state lives in its instrument's row (columns above, revision 0012).

loyalty_tier_history = Table(
    "loyalty_tier_history",
    metadata,
    Column("id", AUTO_ID, primary_key=True, autoincrement=True, info=bounded(ROW_ID)),
    Column("instrument_id", String(ID), nullable=False),
    Column("at", BigInteger, nullable=False, info=bounded(EPOCH)),
    Column("from_tier", String(32), nullable=False),
    Column("to_tier", String(32), nullable=False),
    Column("reason", String(16), nullable=False),  # upgrade, review, refund
    Column("tx_id", String(ID), nullable=False),
)
Index("ix_loyalty_tier_history_instrument", loyalty_tier_history.c.instrument_id,
      loyalty_tier_history.c.at)  # fmt: skip
# Customers (revision 0005) declare their tables on the same metadata, in their own module.
from cardsvc.storage import customer_tables as customer_tables  # noqa: E402

# --- shared rate limits (revision 0009) ------------------------------------------------------

# Token buckets every worker and process shares (the customer page's guess limit): one row per
# client key. A row whose bucket has refilled carries nothing and is deleted.
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("key", String(80), primary_key=True),  # e.g. "public:203.0.113.7"
    Column("tokens_milli", BigInteger, nullable=False, info=bounded(MILLI_TOKENS)),
    Column("updated_ms", BigInteger, nullable=False, info=bounded(EPOCH_MS)),
)
Index("ix_rate_buckets_updated", rate_buckets.c.updated_ms)

# The back office's tables (revision 0008) and the shift (Z) reports from the counters
# (revision 0010) are declared on the same metadata, in their own modules.
from cardsvc.storage import backoffice_tables as backoffice_tables  # noqa: E402
from cardsvc.storage import shift_reports as shift_reports  # noqa: E402
