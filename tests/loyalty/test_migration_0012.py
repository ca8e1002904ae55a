"""Revision 0012 moves each member's loyalty state from loyalty_members into its instrument's
row, on both engines, and its downgrade moves it back: no member and no point is lost."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from cardsvc.storage.db import make_engine
from cardsvc.storage.migrate import alembic_config
from tests.ledger import conftest as ledger_fixtures

ledger_url = ledger_fixtures.ledger_url

_STATE = ("silver", "member", 100, 200, 3, "[[900,0,40]]", "[[20400,500000,50]]", 500000, 50,
          900)  # fmt: skip
_COLS = (
    "tier, floor_tier, tier_since, review_at, debt, lots, days, days_spend, days_points,"
    " next_expiry"
)


def _to(url: str, revision: str, down: bool = False) -> None:
    engine = make_engine(url)
    cfg = alembic_config(engine)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
        conn.commit()
    engine.dispose()


def test_member_state_moves_into_the_instrument_row_and_back(ledger_url: str) -> None:
    _to(ledger_url, "0011_reward_index")
    engine = make_engine(ledger_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO programs (id, name, kind, unit, terms, created_at)"
                          " VALUES ('P', 'P', 'member', 'PTS', '{}', 1)"))  # fmt: skip
        for card in ("m1", "c2"):
            conn.execute(text("INSERT INTO instruments (id, program_id, kind, unit, balance,"
                              " status, issued_at, holds) VALUES (:i, 'P', 'member', 'PTS', 40,"
                              " 'active', 1, '[]')"), {"i": card})  # fmt: skip
        conn.execute(text(f"INSERT INTO loyalty_members (instrument_id, program_id, {_COLS},"
                          " updated_at) VALUES ('m1', 'P', :t, :f, :s, :r, :d, :l, :y, :ds,"
                          " :dp, :e, 7)"),
                     dict(zip(["t", "f", "s", "r", "d", "l", "y", "ds", "dp", "e"], _STATE,
                              strict=True)))  # fmt: skip
    _to(ledger_url, "head")
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, {_COLS}, member_updated_at FROM instruments"
                                 " ORDER BY id")).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [("c2", *[None] * 11), ("m1", *_STATE, 7)]
    _to(ledger_url, "0011_reward_index", down=True)
    with engine.connect() as conn:
        back = conn.execute(text(f"SELECT instrument_id, program_id, {_COLS}, updated_at"
                                 " FROM loyalty_members")).all()  # fmt: skip
    engine.dispose()
    assert [tuple(r) for r in back] == [("m1", "P", *_STATE, 7)]
