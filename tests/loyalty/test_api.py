"""The loyalty endpoints with the people model's roles: rules (admin), a member's tier and points
(staff), adjustments (staff up to the limit, admin beyond; audited), the daily runs."""

from __future__ import annotations

from sqlalchemy import select

from cardsvc.services.loyalty import define_rules
from cardsvc.storage.schema import transactions
from tests.ledger.world import DAY, Till, World, expect
from tests.loyalty.conftest import rules_in

M = "card-04A1B2C3"
RULES = {"effective_from": 0, "dong_per_point": 10_000, "pending_days": 7,
         "tiers": [{"name": "member", "threshold": 0},
                   {"name": "gold", "threshold": 1_000_000, "multiplier_bp": 20_000}],
         "multipliers": [{"name": "happy-hour", "factor_bp": 20_000, "start": "17:00",
                          "end": "19:00"}]}  # fmt: skip


def test_rules_versions_by_admin_only(world: World) -> None:
    expect(world.post("/v1/programs", {"id": "L2", "name": "L2", "kind": "member", "unit": "PTS"}),
           201)  # fmt: skip
    staff = world.person("s1", "staff", "S1")
    body = {**RULES, "effective_from": world.clock()}
    assert world.post("/v1/loyalty/programs/L2/rules", body, staff).status_code == 403
    made = expect(world.post("/v1/loyalty/programs/L2/rules", body), 201)
    assert made["version"] >= 1
    assert world.post("/v1/loyalty/programs/L2/rules", body).status_code == 409
    past = {**RULES, "effective_from": world.clock() - 1}
    assert world.post("/v1/loyalty/programs/L2/rules", past).status_code == 422
    bad = {**body, "effective_from": world.clock() + 1, "tiers": [{"name": "x", "threshold": 5}]}
    assert world.post("/v1/loyalty/programs/L2/rules", bad).status_code == 422
    listed = expect(world.get("/v1/loyalty/programs/L2/rules"))
    assert listed["versions"][0]["rules"]["multipliers"][0]["minutes"] == [1020, 1140]
    assert world.post("/v1/loyalty/programs/PREPAID/rules", body).status_code == 422


def test_member_view_adjustments_and_runs(loyal: World, till: Till) -> None:
    till.do("issue", M, 0, program="LOYAL")
    till.do("purchase", M, 0, purchase_amount=2_000_000)
    staff = loyal.person("s1", "staff", "S1")
    seen = expect(loyal.get(f"/v1/loyalty/members/{M}", staff))
    assert (seen["tier"], seen["available"], seen["next_tier"]) == ("member", 200, "silver")
    assert seen["missing"] == 3_000_000
    assert loyal.view(M)["loyalty"]["balance"] == 200
    up = {"op": "award", "points": 1_000, "reason": "goodwill", "key": "k1"}
    assert expect(loyal.post(f"/v1/loyalty/members/{M}/adjust", up, staff))["code"] == "ok"
    assert expect(loyal.post(f"/v1/loyalty/members/{M}/adjust", up, staff))["code"] == "exists"
    big = {**up, "points": 1_001, "key": "k2"}
    assert loyal.post(f"/v1/loyalty/members/{M}/adjust", big, staff).status_code == 403
    assert expect(loyal.post(f"/v1/loyalty/members/{M}/adjust", big))["balance_after"] == 2_201
    with loyal.ledger.db.read() as uow:
        who = uow._conn.execute(
            select(transactions.c.by_user).where(transactions.c.id == "award:k1")
        ).scalar_one()
    assert who == "s1"  # audited by name
    assert loyal.post("/v1/loyalty/runs/expiry", {}, staff).status_code == 403
    loyal.clock.advance(400 * DAY)
    ran = expect(loyal.post("/v1/loyalty/runs/expiry", {}))
    assert (ran["done"], ran["members"]) == (1, 1)
    assert expect(loyal.post("/v1/loyalty/runs/expiry", {}))["members"] == 0
    assert loyal.balance(M) == 0


def test_points_are_reported_as_a_liability(loyal: World, till: Till) -> None:
    till.do("issue", M, 0, program="LOYAL")
    till.do("purchase", M, 0, purchase_amount=2_000_000)  # 200 points, 12 months
    finance = loyal.person("f1", "finance")
    staff = loyal.person("s1", "staff", "S1")
    assert loyal.get("/v1/reports/points", staff).status_code == 403
    [line] = expect(loyal.get("/v1/reports/points", finance))["programs"]
    assert (line["program"], line["outstanding"], line["value"]) == ("LOYAL", 200, 20_000)
    assert line["expiring"] == {"30": 0, "90": 0, "365": 0}  # 12 months from tomorrow
    assert line["by_store"] == [{"store": "S1", "members": 1, "points": 200}]
    assert (line["issued"], line["broken"], line["expected_breakage"]) == (200, 0, 0)
    loyal.clock.advance(300 * DAY)
    [line] = expect(loyal.get("/v1/reports/points", finance))["programs"]
    assert line["expiring"] == {"30": 0, "90": 200, "365": 200}
    loyal.clock.advance(100 * DAY)
    expect(loyal.post("/v1/loyalty/runs/expiry", {}))
    [line] = expect(loyal.get("/v1/reports/points", finance))["programs"]
    assert (line["outstanding"], line["broken"], line["value"]) == (0, 200, 0)


def test_points_are_not_sold_for_cash_through_the_api(loyal: World, till: Till) -> None:
    """Through the signed batch path: a cash top-up or a cash issue with points is refused with
    its code and moves nothing; the program's gift (promotion) still creates points."""
    till.do("issue", M, 0, program="LOYAL")
    assert till.do("top_up", M, 500).code == "points_not_for_sale"
    assert till.do("issue", "M-CASH", 500, program="MEMBER").code == "points_not_for_sale"
    assert loyal.get("/v1/instruments/M-CASH").status_code == 404
    assert till.do("issue", "M-GIFT", 500, program="MEMBER", funding="promotion").code == "ok"
    assert till.do("top_up", "M-GIFT", 100).code == "points_not_for_sale"
    assert till.do("top_up", "M-GIFT", 100, funding="promotion").code == "ok"
    assert (loyal.balance(M), loyal.balance("M-GIFT")) == (0, 600)


def test_a_refund_under_deduct_cash_says_what_it_keeps(loyal: World, till: Till) -> None:
    """The program chooses deduct_cash: a refund that claws back points the member already
    spent answers their value (at the point rate) to keep from the cash refund, and no debt;
    a resend answers the same (the journal kept it)."""
    loyal.clock.advance(1)
    with loyal.ledger.db.write() as uow:
        define_rules(uow, "LOYAL", rules_in(loyal.clock, refund_spent="deduct_cash"),
                     loyal.clock(), "root")  # fmt: skip
    till.do("issue", M, 0, program="LOYAL")
    [bought] = till.send(sale := till.tx("purchase", M, 0, purchase_amount=1_000_000))
    assert bought.loyalty is not None and bought.loyalty.earned == 100
    assert till.do("purchase", M, 80, purchase_amount=200_000).code == "ok"  # 39 left in the lot
    refund = till.tx("refund", M, 1_000_000, ref=sale.id)
    [first] = till.send(refund)
    assert first.code == "ok" and first.loyalty is not None
    assert (first.loyalty.clawed, first.loyalty.debt_added) == (39, 0)
    assert first.loyalty.cash_deducted == 61 * 100
    [again] = till.send(refund)
    assert again.code == "exists" and again.loyalty == first.loyalty
    assert expect(loyal.get(f"/v1/loyalty/members/{M}"))["debt"] == 0
