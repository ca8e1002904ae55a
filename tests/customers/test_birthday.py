"""The birthday run against the database: one reward and one greeting per customer per year,
however often it runs and in whatever zone the customer lives; 29 February in common years."""

from __future__ import annotations

from datetime import UTC, datetime

from cardsvc.customers import birthday
from tests.customers.helpers import card, give, sign_up
from tests.ledger.world import DAY, Till, World, expect


def at(year: int, month: int, day: int, hour: int = 3) -> int:
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp())


def test_once_a_year_with_greeting(world: World, till: Till) -> None:
    world.clock.now = at(2025, 3, 1)
    lan = sign_up(world, "0909421800", birth_day=14, birth_month=3, email="lan@example.com",
                  consent=True)
    minh = sign_up(world, "0912345678", birth_day=20, birth_month=7)
    m = card(till, "M-LAN", "MEMBER")
    give(world, lan["id"], m)
    c = world.ledger.customers
    first = birthday.run(c)
    assert first.rewarded == [lan["id"]]
    for _ in range(3):
        world.clock.advance(DAY // 3)
        assert birthday.run(c).rewarded == []
    assert expect(world.get(f"/v1/instruments/{m}"))["balance"] == 200
    with world.ledger.db.read() as uow:
        greetings = uow.messages.of_customer(lan["id"])
        assert [g.kind for g in greetings] == ["birthday_greeting"]
        assert "Chúc mừng sinh nhật" in greetings[0].subject and "200 điểm" in greetings[0].body
        assert uow.messages.of_customer(minh["id"]) == []
    world.clock.now = at(2026, 3, 2)
    assert birthday.run(c).rewarded == [lan["id"]]  # next year, again once
    assert expect(world.get(f"/v1/instruments/{m}"))["balance"] == 400


def test_leap_day_and_zones_and_weeks(world: World) -> None:
    c = world.ledger.customers
    c.settings = c.settings.model_copy(update={"birthday_window": "week"})
    leap = sign_up(world, "0909421800", birth_day=29, birth_month=2)
    # A customer in Samoa-side Pacific time: 13 March there while it is 14 March in Vietnam.
    far = sign_up(world, "0912345678", birth_day=14, birth_month=3, tz="Pacific/Pago_Pago")
    # The signature library refuses times in the future: the years are 2025-2026. 28 February
    # 2026 (a common year) is a Saturday; its week runs Monday 23 February to 1 March.
    world.clock.now = at(2026, 2, 23)
    assert birthday.run(c).rewarded == [leap["id"]]
    world.clock.now = at(2026, 3, 9, 1)  # Monday 9 March 01:00 UTC: 8 March in Pago Pago
    assert birthday.run(c).rewarded == []
    world.clock.now = at(2026, 3, 9, 12)  # 9 March in Pago Pago too: the week has begun
    assert birthday.run(c).rewarded == [far["id"]]
    world.clock.now = at(2026, 3, 15, 23)
    assert birthday.run(c).rewarded == []
    with world.ledger.db.read() as uow:
        assert [r.period for r in uow.customer_rewards.rewards_of(far["id"])] == ["2026"]
        assert uow.customer_rewards.rewards_of(leap["id"])[0].status == "pending"  # no card yet
