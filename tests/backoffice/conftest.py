"""Back-office fixtures: the ledger world of tests.ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.ledger.conftest import clock, ledger_url, world

__all__ = ["clock", "ledger_url", "world"]
