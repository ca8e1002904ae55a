"""Engine creation: SQLite in WAL mode with synchronous=FULL by default, PostgreSQL by URL;
and the driver-level access the hot path uses for bulk statements."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

# The execution option a read-only connection carries (Database.read): on SQLite it begins
# without taking the write lock.
READ_ONLY = "cardsvc_read_only"


def make_engine(url: str, *, sqlite_cache_mb: int = 64, pool_size: int = 20) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, sqlite_cache_mb)
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_pragmas(cache_mb: int) -> list[str]:
    """Every SQLite connection's settings (the benchmarks' raw-driver baseline uses them too)."""
    return [
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",  # a committed batch survives power loss
        "PRAGMA foreign_keys=ON",
        "PRAGMA busy_timeout=10000",
        f"PRAGMA cache_size=-{int(cache_mb) * 1024}",
    ]


def _sqlite_engine(url: str, cache_mb: int) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:" and not os.path.exists(database):
        # A mistyped path must not pass unnoticed: say what is being created, and where.
        folder = os.path.dirname(os.path.abspath(database))
        if not os.path.isdir(folder):
            log.warning("creating the folder %s for the ledger database", folder)
            os.makedirs(folder, exist_ok=True)
        log.warning("creating a new, empty ledger database at %s", os.path.abspath(database))
    # The driver's own transaction handling would issue BEGIN lazily (DEFERRED): we issue
    # BEGIN IMMEDIATE ourselves so a writer takes the lock up front and never deadlocks
    # upgrading from a read lock.
    engine = create_engine(url, connect_args={"check_same_thread": False, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        for pragma in sqlite_pragmas(cache_mb):
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read-only unit of work begins DEFERRED: in WAL mode it reads its snapshot without
        # waiting for the writer (whose COMMIT may be waiting on fsync for a long while).
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


# --- driver-level statements for the hot path --------------------------------------------------
# SQLAlchemy Core turns every row of an executemany into a parameter dict and back, and renders
# "expanding" IN lists on every call: a third of a 1000-transaction group commit. The hot path
# hands the driver plain tuples and SQL text instead, on the same connection and transaction.


def driver_cursor(conn: Connection) -> Any:
    """A DBAPI cursor on `conn`'s own connection, inside its current transaction."""
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def marker(conn: Connection) -> str:
    """The driver's positional parameter marker: `?` (sqlite3) or `%s` (psycopg)."""
    return "?" if conn.dialect.name == "sqlite" else "%s"


@lru_cache(maxsize=64)
def markers(mark: str, count: int) -> str:
    """`count` markers separated by commas, for VALUES (...) and IN (...)."""
    return ", ".join([mark] * count)


def select_in(
    cur: Any, mark: str, sql: str, ids: Sequence[Any], *first: object, chunk: int = 500
) -> list[tuple[Any, ...]]:
    """All rows of `sql` for `ids`, in bounded chunks. `sql` names the list `{in_ids}` (as in
    `WHERE id {in_ids}`); `first` are the parameters before it. SQLite gets `IN (?, ?, ...)`.
    PostgreSQL gets the chunk as one array parameter, `IN (SELECT unnest(%s))`: a semi-join,
    by index or by hash, never a 500-item list compared with every candidate row (what
    `= ANY(%s)` and a 500-item IN list became whenever statistics were stale: ~10-20 ms)."""
    rows: list[tuple[Any, ...]] = []
    if mark != "?":
        chunk = max(chunk, len(ids))  # one array parameter: no list to bound, one round trip
    for i in range(0, len(ids), chunk):
        part = list(ids[i : i + chunk])
        if mark == "?":
            cur.execute(sql.format(in_ids=f"IN ({markers(mark, len(part))})"), (*first, *part))
        else:
            array = "bigint[]" if isinstance(part[0], int) else "text[]"
            cur.execute(sql.format(in_ids=f"IN (SELECT unnest({mark}::{array}))"), (*first, part))
        rows.extend(cur.fetchall())
    return rows


# --- bulk writes: executemany on SQLite, one statement of array columns on PostgreSQL -----------
# psycopg's executemany sends one INSERT per row (pipelined, yet parsed, planned and executed
# row by row on the server); `INSERT ... SELECT * FROM unnest(%s::t1[], %s::t2[], ...)` hands
# the server every row in one statement with one parameter per column. SQLite is in-process:
# its executemany is already the cheapest form.


@lru_cache(maxsize=64)
def _pg_arrays(table: Table, cols: tuple[str, ...]) -> str:
    """`unnest`'s arguments: one typed array parameter per column, types from schema.py."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return ", ".join(f"%s::{table.c[c].type.compile(dialect=dialect)}[]" for c in cols)


def _columns_of(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    assert all(len(r) == width for r in rows), "every row has one value per column"
    return [list(column) for column in zip(*rows, strict=True)]


def insert_rows(
    cur: Any, mark: str, table: Table, cols: Sequence[str], rows: Sequence[Sequence[Any]],
    suffix: str = "",
) -> None:  # fmt: skip
    """INSERT `rows` (tuples in the order of `cols`) into `table`; `suffix` follows (ON
    CONFLICT ...)."""
    if not rows:
        return
    names = ", ".join(cols)
    if mark == "?":
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({markers(mark, len(cols))}){suffix}"
        cur.executemany(sql, rows)
        return
    arrays = _pg_arrays(table, tuple(cols))
    sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}){suffix}"
    cur.execute(sql, _columns_of(rows, len(cols)))


def update_rows(
    cur: Any, mark: str, table: Table, cols: Sequence[str], key: str,
    rows: Sequence[Sequence[Any]],
) -> None:  # fmt: skip
    """UPDATE `table` SET `cols` WHERE `key` matches, per row (values of `cols`, then the key)."""
    if not rows:
        return
    if mark == "?":
        sets = ", ".join(f"{c} = ?" for c in cols)
        cur.executemany(f"UPDATE {table.name} SET {sets} WHERE {key} = ?", rows)
        return
    every = (*cols, key)
    sets = ", ".join(f"{c} = v.{c}" for c in cols)
    cur.execute(
        f"UPDATE {table.name} AS t SET {sets} FROM unnest({_pg_arrays(table, every)})"
        f" AS v({', '.join(every)}) WHERE t.{key} = v.{key}",
        _columns_of(rows, len(every)),
    )
