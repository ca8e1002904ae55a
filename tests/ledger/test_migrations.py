"""The alembic migrations build exactly the schema the code declares, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, Integer
from sqlalchemy.dialects import postgresql, sqlite

from cardsvc.core.bounds import ALL, USES, Bound
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


# The largest value each engine's integer column types hold (SQLite's INTEGER is always 64-bit).
_HOLDS = {
    "postgresql": {"SMALLINT": 2**15 - 1, "INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1},
    "sqlite": {"SMALLINT": 2**63 - 1, "INTEGER": 2**63 - 1, "BIGINT": 2**63 - 1},
}
_HOW_TO_DECLARE = (
    "declare the bound its values keep: Column(..., info=bounded(EPOCH)) with a bound from "
    "cardsvc.core.bounds (add one there if none fits), and bound the value where it enters "
    "with protocol.bounds.within / api.params.query_int / commands.args.int_in"
)


def test_every_integer_column_names_a_bound_its_type_holds_on_both_engines() -> None:
    """One set of bounds: the edge checks values against core.bounds, and every integer column
    of the schema names the bound it keeps; its type must hold the whole range on SQLite and
    on PostgreSQL (whose INTEGER is 32-bit)."""
    dialects = {"postgresql": postgresql.dialect(), "sqlite": sqlite.dialect()}
    problems, checked = [], 0
    for table in metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, Integer) or isinstance(column.type, Boolean):
                continue
            where = f"{table.name}.{column.name}"
            bound = column.info.get("bound")
            if not isinstance(bound, Bound) or bound not in ALL:
                problems.append(f"{where} names no bound: {_HOW_TO_DECLARE}")
                continue
            checked += 1
            for name, dialect in dialects.items():
                kind = column.type.compile(dialect=dialect).split("(")[0].upper()
                most = _HOLDS[name].get(kind)
                if most is None or max(bound.hi, -bound.lo) > most:
                    problems.append(f"{where} ({kind} on {name}) cannot hold {bound.name}")
    assert problems == []
    assert checked >= 40  # the ledger's own integer columns at least


def test_an_instrument_keeps_uses_left_in_postgresql_32_bit_integer() -> None:
    """The issue's example: uses of 3,000,000,000 overflowed uses_left on PostgreSQL."""
    assert USES.hi < 2**31 - 1 and not USES.holds(3_000_000_000)
