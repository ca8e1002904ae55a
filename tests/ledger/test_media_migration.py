"""Revision 0003 gives every card a terminal named after it (`card-<UID>`) its medium, so
cards issued before media existed keep working and can be replaced."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from cardsvc.storage.db import make_engine
from cardsvc.storage.migrate import alembic_config


def test_existing_cards_get_their_medium(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    cfg = alembic_config(engine)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002_vouchers")
        conn.execute(text(
            "INSERT INTO programs (id, name, kind, unit, terms, created_at)"
            " VALUES ('P', 'P', 'prepaid', 'VND', '{}', 1)"
        ))  # fmt: skip
        for instrument in ("card-04A1B2C3D4E5F6", "card-0A0B0C0D", "card-xyz", "GIFT-1"):
            conn.execute(text(
                "INSERT INTO instruments (id, program_id, kind, unit, balance, status,"
                " issued_at, holds) VALUES (:id, 'P', 'prepaid', 'VND', 0, 'active', 7, '[]')"
            ), {"id": instrument})  # fmt: skip
        conn.execute(text(
            "INSERT INTO card_mirror (uid, instrument_id, counter, value, updated_at)"
            " VALUES ('04A1B2C3D4E5F6', 'card-04A1B2C3D4E5F6', 3, 0, 7)"
        ))  # fmt: skip
        command.upgrade(cfg, "0003_card_media")
        rows = conn.execute(text(
            "SELECT uid, instrument_id, card_type, state, created_at FROM card_media ORDER BY uid"
        )).all()  # fmt: skip
        conn.commit()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("04A1B2C3D4E5F6", "card-04A1B2C3D4E5F6", "desfire", "active", 7),
        ("0A0B0C0D", "card-0A0B0C0D", "uid", "active", 7),
    ]
