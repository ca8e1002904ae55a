"""Fixtures of the ledger service tests: every test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.ledger.databases import fresh_database
from tests.ledger.world import Clock, Till, World

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def backend_database(request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    kind: str = request.param
    pg_url = request.getfixturevalue("pg_url") if kind == "postgres" else None
    with fresh_database(kind, directory, pg_url) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty ledger database: a SQLite file, or a new database on PostgreSQL."""
    with backend_database(request, tmp_path) as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(ledger_url: str, clock: Clock) -> Iterator[World]:
    with World(ledger_url, clock) as w:
        yield w


@pytest.fixture
def till(world: World) -> Till:
    """Terminal T1 of store S1, enrolled."""
    return world.till("T1", "S1")
