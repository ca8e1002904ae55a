"""Importing another POS's member list (dry run, refused rows with reasons, points carried
over into the ledger) and exporting ours; segments with counts per store."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cardsvc.cli import main
from cardsvc.customers import importer, segments
from cardsvc.settings import get_settings
from tests.customers.helpers import card, give, sign_up
from tests.ledger.world import DAY, Till, World, expect

MEMBERS = """Họ tên,Số điện thoại,Ngày sinh,Điểm
Nguyễn Thị Lan,0909 421 800,14/03/1990,1.200
Trần Minh,+84 912 345 678,29/02,0
Lê Văn Bình,84909421800,01/01/1980,50
Phạm Thu,12345,01/01/1980,10
Hoàng An,0987 654 321,31/02/1991,5
Đỗ Hà,0977 111 222,,abc
,0966 111 222,,
Vũ Nam,0955 111 222,1985-07-20,
"""


def test_dry_run_then_import(world: World) -> None:
    c = world.ledger.customers
    dry = importer.import_members(c, io.StringIO(MEMBERS), dry_run=True, store="S1")
    assert dry.total == 8 and dry.imported == 3 and dry.points == 1200
    reasons = {line: reason for line, reason, _ in dry.refused}
    assert reasons == {4: "phone_duplicate_in_file", 5: "phone_invalid", 6: "birthday_invalid",
                       7: "points_invalid", 8: "name_missing"}
    assert expect(world.get("/v1/customers"))["customers"] == []  # nothing written
    done = importer.import_members(c, io.StringIO(MEMBERS), store="S1")
    assert done.imported == 3 and len(done.refused) == 5
    [lan] = expect(world.get("/v1/customers?phone=0909421800"))["customers"]
    assert lan["created_via"] == "import" and lan["home_store"] == "S1"
    assert [(i["kind"], i["balance"]) for i in lan["instruments"]] == [("member", 1200)]
    assert lan["birthday"] == {"day": 14, "month": 3, "year": 1990}
    again = importer.import_members(c, io.StringIO(MEMBERS))  # a second import: all refused
    assert again.imported == 0 and {r for _, r, _ in again.refused} >= {"phone_taken"}
    rows = list(importer.export_rows(c))
    assert sorted(r["phone"] for r in rows) == ["+84909421800", "+84912345678", "+84955111222"]
    assert next(r for r in rows if r["phone"] == "+84909421800")["points"] == 1200


def test_a_file_without_the_columns_is_refused(world: World) -> None:
    with pytest.raises(importer.ImportFileInvalid):
        importer.import_members(world.ledger.customers, io.StringIO("a,b\n1,2\n"))


def test_cli_import_and_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDSVC_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    get_settings.cache_clear()
    source = tmp_path / "members.csv"
    source.write_text(MEMBERS.replace("1.200", "0"), encoding="utf-8")
    refused = tmp_path / "refused.csv"
    try:
        assert main(["customers", "import", str(source), "--dry-run"]) == 2
        assert main(["customers", "import", str(source), "--refused", str(refused)]) == 2
        with refused.open(encoding="utf-8") as f:
            assert [r["line"] for r in csv.DictReader(f)] == ["4", "5", "6", "7", "8"]
        out = tmp_path / "out.csv"
        assert main(["customers", "export", str(out)]) == 0
        with out.open(encoding="utf-8") as f:
            assert len(list(csv.DictReader(f))) == 3
        assert main(["customers", "run", "birthdays"]) == 0
    finally:
        get_settings.cache_clear()


def test_segments_and_counts_per_store(world: World, till: Till) -> None:
    start = world.clock()
    people = {}
    for n, (store, phone) in enumerate([("S1", "0909000001"), ("S1", "0909000002"),
                                        ("S2", "0909000003"), ("S2", "0909000004")]):
        people[n] = sign_up(world, phone, home_store=store)
        give(world, people[n]["id"], card(till, f"P-{n}", amount=5_000_000))
    till.do("redeem", "P-0", 2_000_000)  # a big spender, recently
    world.clock.advance(60 * DAY)
    till.do("redeem", "P-1", 100_000, occurred_at=world.clock() - 50 * DAY)  # 50 days ago
    till.do("redeem", "P-2", 100_000)  # today
    world.clock.advance(10 * DAY)  # P-0's purchase is now 70 days old
    newcomer = sign_up(world, "0909000005", home_store="S2")
    with world.ledger.db.read() as uow:
        rows = {r.customer_id: r for r in segments.compute(uow, world.clock())}
    assert rows[people[0]["id"]].segment == "at_risk" and rows[people[0]["id"]].top
    assert rows[people[1]["id"]].segment == "at_risk"
    assert rows[people[2]["id"]].segment == "active"
    assert rows[people[3]["id"]].segment == "lost"
    assert rows[newcomer["id"]].segment == "new"
    counts = expect(world.get("/v1/segments"))["by_store"]
    assert counts["S1"] == {"new": 0, "active": 0, "at_risk": 2, "lost": 0, "top_spenders": 1}
    assert counts["S2"] == {"new": 1, "active": 1, "at_risk": 0, "lost": 1, "top_spenders": 0}
    lost = expect(world.get("/v1/segments/lost"))
    assert [r["customer_id"] for r in lost["customers"]] == [people[3]["id"]]
    assert start < world.clock()
