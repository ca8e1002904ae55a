"""Fresh ledger databases for tests: a SQLite file, or a new database on the PostgreSQL server.

Every test gets its own database, so row counts before and after a request say exactly what that
request stored. PostgreSQL databases are created through the server's `postgres` maintenance
database and dropped (with FORCE: a test may leave pooled connections behind) afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select

from cardsvc.storage.provision import temporary_database
from cardsvc.storage.schema import postings, signed_requests, transactions

JOURNAL_TABLES = {"transactions": transactions, "postings": postings, "signed": signed_requests}


@contextmanager
def postgres_database(pg_url: str) -> Iterator[str]:
    """A new, empty database on the server `pg_url` points at; its SQLAlchemy URL."""
    with temporary_database(pg_url, "cardsvc_t") as url:
        yield url


@contextmanager
def fresh_database(kind: str, directory: Path, pg_url: str | None) -> Iterator[str]:
    """`kind` is "sqlite" (a file in `directory`) or "postgres" (needs `pg_url`)."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'ledger.db'}"
        return
    assert pg_url is not None
    with postgres_database(pg_url) as url:
        yield url


def journal_counts(engine: Engine) -> dict[str, int]:
    """Rows in the append-only journal tables: what a refused request must leave unchanged."""
    with engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in JOURNAL_TABLES.items()
        }
