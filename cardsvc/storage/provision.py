"""Creating and dropping ledger databases on a PostgreSQL server (provisioning a new chain, a
staging copy, or a throw-away database for one test run or benchmark)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _maintenance_dsn(server_url: str) -> str:
    """The server's `postgres` database, as libpq takes it (no SQLAlchemy driver suffix)."""
    url = make_url(server_url).set(drivername="postgresql", database="postgres")
    return url.render_as_string(hide_password=False)


def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the server of `server_url`; return its SQLAlchemy URL."""
    if not _NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    with psycopg.connect(_maintenance_dsn(server_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    with psycopg.connect(_maintenance_dsn(server_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def temporary_database(server_url: str, prefix: str = "cardsvc_tmp") -> Iterator[str]:
    """A new, empty database, dropped (connections and all) when the block ends."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)
