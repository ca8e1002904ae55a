"""Customer tests run the whole ledger service (tests.ledger.world) on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.ledger.conftest import clock, ledger_url, till, world

__all__ = ["clock", "ledger_url", "till", "world"]
