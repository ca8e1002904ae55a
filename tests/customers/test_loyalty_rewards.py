"""Rewards through loyalty: a member program with loyalty rules gets its reward points as
loyalty awards (a lot each, once per key), the birthday bonus is the tier's, and a referral
reversal deducts through loyalty."""

from __future__ import annotations

from datetime import UTC, datetime

from cardsvc.customers import birthday, referral
from cardsvc.services.loyalty import define_rules, member_view
from cardsvc.services.loyalty_rules import RulesIn, TierIn
from tests.customers.helpers import card, give, sign_up
from tests.ledger.world import DAY, Till, World, expect


def loyal(world: World, birthday_bonus: int) -> None:
    rules = RulesIn(effective_from=world.clock(),
                    tiers=[TierIn(name="member", threshold=0, birthday_bonus=birthday_bonus)])
    with world.ledger.db.write() as uow:
        define_rules(uow, "MEMBER", rules, world.clock(), "root")


def test_birthday_bonus_is_the_tiers_and_awarded_through_loyalty(world: World,
                                                                 till: Till) -> None:  # fmt: skip
    world.clock.now = int(datetime(2025, 3, 10, 3, tzinfo=UTC).timestamp())
    loyal(world, birthday_bonus=500)
    lan = sign_up(world, "0909421800", birth_day=14, birth_month=3)
    give(world, lan["id"], card(till, "M-1", "MEMBER"))
    c = world.ledger.customers
    assert birthday.run(c).rewarded == [lan["id"]]
    assert birthday.run(c).rewarded == []
    assert expect(world.get("/v1/instruments/M-1"))["balance"] == 500
    with world.ledger.db.read() as uow:
        [reward] = uow.customer_rewards.rewards_of(lan["id"])
        assert reward.points == 500 and (reward.tx_id or "").startswith("award:")
        assert member_view(uow, "M-1", world.clock()).available == 500


def test_referral_reversal_deducts_through_loyalty(world: World, till: Till) -> None:
    loyal(world, birthday_bonus=0)
    c = world.ledger.customers
    a = sign_up(world, "0909000001")
    give(world, a["id"], card(till, "M-A", "MEMBER"))
    b = sign_up(world, "0912000000", referral_code=a["referral_code"])
    give(world, b["id"], card(till, "M-B", "MEMBER"))
    purse = card(till, "P-B", amount=500_000)
    give(world, b["id"], purse)
    sale = till.tx("redeem", purse, 200_000)
    till.send(sale)
    assert referral.run(c).rewarded == 1
    assert expect(world.get("/v1/instruments/M-A"))["balance"] == 100
    world.clock.advance(DAY)
    assert till.do("refund", purse, 200_000, ref=sale.id).code == "ok"
    assert referral.run(c).reversed == 1
    assert expect(world.get("/v1/instruments/M-A"))["balance"] == 0
    assert expect(world.get("/v1/instruments/M-B"))["balance"] == 0


def test_tier_change_and_expiring_points_are_announced_once(world: World, till: Till) -> None:
    from cardsvc.customers import loyalty_messages

    rules = RulesIn(effective_from=world.clock(), expiry_months=12, tiers=[
        TierIn(name="member", threshold=0), TierIn(name="silver", threshold=5_000_000)])
    with world.ledger.db.write() as uow:
        define_rules(uow, "MEMBER", rules, world.clock(), "root")
    c = world.ledger.customers
    lan = sign_up(world, "0909421800", email="lan@example.com", consent=True, lang="en")
    quiet = sign_up(world, "0912345678")
    give(world, lan["id"], card(till, "M-1", "MEMBER"))
    give(world, quiet["id"], card(till, "M-2", "MEMBER"))
    for m in ("M-1", "M-2"):
        assert till.do("purchase", m, 0, purchase_amount=6_000_000).code == "ok"  # -> silver
    first = loyalty_messages.run(c)
    assert (first.tier_changes, first.expiring) == (1, 0)  # the quiet one did not consent
    assert loyalty_messages.run(c).tier_changes == 0
    world.clock.advance(340 * DAY)  # the points of that purchase expire within 30 days
    later = loyalty_messages.run(c)
    assert later.expiring == 1 and later.tier_changes == 0
    assert loyalty_messages.run(c).expiring == 0  # once a month
    with world.ledger.db.read() as uow:
        kinds = [(m.kind, m.subject) for m in uow.messages.of_customer(lan["id"])]
    assert kinds[0] == ("tier_change", "Your new membership tier: silver")
    assert kinds[1][0] == "points_expiring" and "600 points" in kinds[1][1]
