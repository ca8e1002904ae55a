"""The alembic migrations build exactly the schema the code declares, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from cardsvc.storage.db import make_engine
from cardsvc.storage.migrate import alembic_config, upgrade
from cardsvc.storage.schema import metadata


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    assert len(script.get_heads()) == 1, "two migrations branch from the same revision"


def test_migrations_match_the_declared_schema(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []
