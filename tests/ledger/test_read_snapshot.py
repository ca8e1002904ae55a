"""Reads never queue behind the writer on SQLite: a read-only unit of work begins DEFERRED and
reads the last committed snapshot (WAL) while a write transaction holds the lock, e.g. while a
group's COMMIT waits on fsync. A write unit of work still takes the lock up front."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from cardsvc.storage.unit_of_work import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield database
    database.close()


def _count(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM stores")).scalar_one())


def test_a_read_sees_the_committed_snapshot_while_a_writer_holds_the_lock(db: Database) -> None:
    with db.write() as w:
        w.reports.conn.execute(
            text("INSERT INTO stores (id, name, created_at) VALUES ('S0', 'before', 0)")
        )
    with db.write() as w:  # the writer holds SQLite's lock until the block ends
        w.reports.conn.execute(
            text("INSERT INTO stores (id, name, created_at) VALUES ('S1', 'pending', 0)")
        )
        with db.read() as r:  # would wait busy_timeout (10 s) then fail if it began IMMEDIATE
            assert _count(r.reports.conn) == 1
    with db.read() as r:
        assert _count(r.reports.conn) == 2


def test_a_second_writer_waits_for_the_lock(db: Database) -> None:
    """Writes still begin IMMEDIATE: a second writer cannot start while the first holds it."""
    with db.write() as w:
        w.reports.conn.execute(
            text("INSERT INTO stores (id, name, created_at) VALUES ('S1', 'a', 0)")
        )
        with db.engine.connect() as other:
            other.connection.driver_connection.execute("PRAGMA busy_timeout=50")  # type: ignore[union-attr]
            with pytest.raises(Exception, match="locked"):
                other.execute(text("SELECT 1"))  # autobegin -> BEGIN IMMEDIATE
