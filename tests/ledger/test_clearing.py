"""Store-to-store clearing: a card sold for cash in one store and spent in another leaves the
first owing the scheme and the scheme owing the second."""

from __future__ import annotations

from tests.ledger.world import Till, World, expect


def test_cash_in_one_store_spent_in_another_clears_between_them(world: World, till: Till) -> None:
    start = world.clock()
    other = world.till("T2", "S2")
    till.do("issue", "C1", 500_000, program="PREPAID")  # sold for cash at S1
    other.do("redeem", "C1", 120_000)  # spent at S2
    spent = till.do("redeem", "C1", 30_000)  # and at S1
    till.do("refund", "C1", 10_000, ref=spent.id)
    world.clock.advance(1)
    report = expect(world.get(f"/v1/reports/clearing?start={start}&end={world.clock()}"))
    lines = {line["store"]: line for line in report["stores"]}
    assert lines["S1"] == {"store": "S1", "unit": "VND", "cash_in": 500_000,
                           "redeemed": 20_000, "net_due": -480_000}  # fmt: skip
    assert lines["S2"] == {"store": "S2", "unit": "VND", "cash_in": 0,
                           "redeemed": 120_000, "net_due": 120_000}  # fmt: skip
    # what the stores owe each other plus what is still on the card is what was sold
    assert -sum(x["net_due"] for x in lines.values()) == world.balance("C1")


def test_store_finance_sees_its_own_store_and_staff_none(world: World, till: Till) -> None:
    start = world.clock()
    world.till("T2", "S2").do("issue", "C2", 50_000, program="PREPAID")
    till.do("issue", "C1", 70_000, program="PREPAID")
    world.clock.advance(1)
    path = f"/v1/reports/clearing?start={start}&end={world.clock()}"
    store_finance = world.person("kt-s1", "finance", "S1")
    assert [x["store"] for x in expect(world.get(path, store_finance))["stores"]] == ["S1"]
    staff = world.person("nv-s1", "staff", "S1")
    assert expect(world.get(path, staff), 403)["error"] == "forbidden"
    empty = expect(world.get(f"/v1/reports/clearing?start=0&end={start}"))
    assert empty["stores"] == []
