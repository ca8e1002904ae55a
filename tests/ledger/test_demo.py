"""`cardsvc demo` (the README's first command, without serving): a demo chain is loaded through
the real API and the summary says where to look."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardsvc.cli import main
from cardsvc.services.queries import liability
from cardsvc.storage.db import make_engine


def test_demo_loads_a_chain_and_prints_where_to_look(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", "--no-serve", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "admin token     cs_" in out
    assert "CARD-0001" in out and "375.000 ₫" in out and "1.200 điểm" in out
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = liability(conn)
    engine.dispose()
    assert {r["program"]: r["balance"] for r in rows} == {
        "PREPAID": 375_000, "GIFT-TET": 1_000_000, "VOUCHER-50K": 50_000, "MEMBER": 1_200,
    }  # fmt: skip
    assert all(r["consistent"] for r in rows)
    assert main(["demo", "--no-serve", "--db", str(db)]) == 0  # idempotent: recreated
