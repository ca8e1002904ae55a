"""Shared token buckets (the customer page's guess limit): one row per client key, read and
written inside the caller's write transaction, so every worker and process on the database
sees one bucket per client (SQLite: BEGIN IMMEDIATE; PostgreSQL: the row is locked)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cardsvc.storage.schema import rate_buckets

FORGET_AT_ONCE = 200  # stale rows deleted per call: a bounded amount of work per request


class RateLimitRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def load(self, key: str, full_milli: int, now_ms: int) -> tuple[int, int]:
        """(tokens in thousandths, updated at in epoch ms) of `key`, locked for this
        transaction; a client not seen lately starts with a full bucket. Two workers meeting
        a new client at once both end up with the one row (insert-if-absent, then lock)."""
        c = rate_buckets.c
        dialect_insert = sqlite_insert if self.conn.dialect.name == "sqlite" else pg_insert
        self.conn.execute(
            dialect_insert(rate_buckets)
            .values(key=key, tokens_milli=full_milli, updated_ms=now_ms)
            .on_conflict_do_nothing()
        )
        row = self.conn.execute(
            select(c.tokens_milli, c.updated_ms).where(c.key == key).with_for_update()
        ).one()
        return int(row[0]), int(row[1])

    def save(self, key: str, tokens_milli: int, updated_ms: int) -> None:
        c = rate_buckets.c
        self.conn.execute(
            update(rate_buckets).where(c.key == key)
            .values(tokens_milli=tokens_milli, updated_ms=updated_ms)
        )  # fmt: skip

    def forget_before(self, updated_ms: int) -> None:
        """Delete (a bounded number of) buckets last touched before `updated_ms`."""
        c = rate_buckets.c
        stale = select(c.key).where(c.updated_ms < updated_ms).limit(FORGET_AT_ONCE)
        self.conn.execute(delete(rate_buckets).where(c.key.in_(stale.scalar_subquery())))
