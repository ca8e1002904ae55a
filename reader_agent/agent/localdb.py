"""The agent's own SQLite database: durable queue, hotlist copy, shifts, sequence counter.

WAL with synchronous=FULL: a committed row survives a power cut or kill -9. One connection
shared by the agent's threads behind a lock (the agent writes a few rows per tap; a pool
would buy nothing and lose the simple ordering guarantees).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 1

# The connection a write or read block hands out; modules that take one name it from here
# (only this module and the outbox talk to SQLite directly).
Connection = sqlite3.Connection

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,            -- the terminal sequence number (never reused)
    id TEXT NOT NULL UNIQUE,            -- the transaction id, chosen before the first send
    request_id TEXT,                    -- the front-end's id of the sale: a retry finds it
    body TEXT NOT NULL,                 -- the TransactionMsg JSON, resent byte for byte
    state TEXT NOT NULL,                -- card | ready | done | cancelled | unresolved
    op TEXT NOT NULL,
    instrument TEXT NOT NULL,
    amount INTEGER NOT NULL,
    uid TEXT,                           -- purse card UID (upper-case hex) when a card moved
    pending_card TEXT,                  -- PendingOperation JSON while state = card
    must_complete INTEGER NOT NULL DEFAULT 0,  -- a compensation: retried on the next tap
    offline INTEGER NOT NULL DEFAULT 0, -- decided without the ledger (counts toward limits)
    shift_id INTEGER,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    code TEXT,                          -- the ledger's result
    balance_after INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, seq);
CREATE INDEX IF NOT EXISTS outbox_uid ON outbox (uid, state);
CREATE INDEX IF NOT EXISTS outbox_request ON outbox (request_id, seq);
CREATE INDEX IF NOT EXISTS outbox_instrument ON outbox (instrument, seq);
CREATE TABLE IF NOT EXISTS qr_kit (                -- the offline QR validator's downloads
    id INTEGER PRIMARY KEY CHECK (id = 1),
    keyset TEXT NOT NULL,               -- the published key set, as signed by the ledger
    signed_by TEXT NOT NULL,            -- the trusted key-set key that signed it
    fetched_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS qr_revoked (
    instrument TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS qr_gates (   -- programs restricted to some terminals (event gates)
    program TEXT NOT NULL,
    terminal TEXT NOT NULL,
    PRIMARY KEY (program, terminal)
);
CREATE TABLE IF NOT EXISTS gate_log (   -- every admission decision (counters, what happened)
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    source TEXT NOT NULL,               -- qr | card
    instrument TEXT,
    code TEXT NOT NULL,
    admitted INTEGER NOT NULL,
    mode TEXT NOT NULL,
    tx_id TEXT
);
CREATE INDEX IF NOT EXISTS gate_log_at ON gate_log (at);
CREATE TABLE IF NOT EXISTS hotlist (
    instrument TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS hotlist_media (  -- of the hotlist, the cards refused as cards
    name TEXT PRIMARY KEY                   -- card-<UID>: lost, stolen, damaged, replaced
);
CREATE TABLE IF NOT EXISTS pending_cards (  -- cards with value changed at the ledger
    name TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS torn_reported (  -- torn operations told to the ledger
    tx_id TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS shifts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    staff TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE TABLE IF NOT EXISTS zreports (   -- closed shifts' (Z) reports for the ledger
    shift_id INTEGER PRIMARY KEY,           -- queued in the transaction that closes the shift
    body TEXT,                              -- the report as sent (JSON), made once
    sent_at INTEGER                         -- when the ledger had it (-1: it refused it)
);
CREATE TABLE IF NOT EXISTS staff (      -- who may open a shift at this till, with a PIN
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    pin_hash TEXT NOT NULL,             -- scrypt, hex
    salt TEXT NOT NULL,                 -- hex
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0
);
"""


class LocalDb:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=10.0
        )
        self._lock = threading.RLock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            with self.write() as conn:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)",
                    (str(SCHEMA_VERSION),),
                )
                self._seed_sequence(conn)
                _add_columns(conn)

    @staticmethod
    def _seed_sequence(conn: sqlite3.Connection) -> None:
        """A new database starts its sequence at the creation time in microseconds, so that a
        terminal whose database was lost and recreated never reuses a sequence number the
        ledger has seen (it would be refused `sequence_reused`); the jump shows as one gap."""
        seed = time.time_ns() // 1000
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', ?)", (str(seed),))
        # Receipt numbers count from here (seq - first_seq + 1): short enough to read out.
        # A database made before receipts counts from its oldest entry still kept.
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) SELECT 'first_seq', coalesce("
            "(SELECT min(seq) FROM outbox), (SELECT value FROM meta WHERE key = 'next_seq'))"
        )

    @contextmanager
    def write(self, fsync: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT), fsync'd on commit.

        fsync=False is for writes whose loss the agent recovers from by itself: the commit
        survives the process dying (kill -9), and only a power cut can lose it, until the
        next fsync'd commit (which flushes the whole WAL, this one included)."""
        with self._lock:
            if not fsync:
                self._conn.execute("PRAGMA synchronous=NORMAL")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            finally:
                if not fsync:
                    self._conn.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# Columns added after a terminal's database was first made: (table, column, declaration).
_ADDED_COLUMNS = (
    ("outbox", "loyalty", "TEXT"),  # the ledger's loyalty answer (points earned...) as JSON
    ("shifts", "opening_float", "INTEGER NOT NULL DEFAULT 0"),  # cash in the drawer at open
    ("shifts", "counted_cash", "INTEGER"),  # cash counted at close (NULL: not counted)
)


def _add_columns(conn: sqlite3.Connection) -> None:
    """Bring an older terminal database up to the current columns (never drops anything)."""
    for table, column, declaration in _ADDED_COLUMNS:
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
