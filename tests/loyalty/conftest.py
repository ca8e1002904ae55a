"""Loyalty through the whole service, on SQLite and PostgreSQL: the ledger tests' world, with a
member program that has loyalty rules (LOYAL) beside the plain points program (MEMBER)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cardsvc.services.loyalty import define_rules
from cardsvc.services.loyalty_rules import MultiplierIn, RulesIn, TierIn
from tests.ledger import conftest as ledger_fixtures
from tests.ledger.world import Clock, World, expect

# The ledger tests' fixtures (both databases, the clock, the world, an enrolled till).
ledger_url, clock, world, till = (ledger_fixtures.ledger_url, ledger_fixtures.clock,
                                  ledger_fixtures.world, ledger_fixtures.till)  # fmt: skip

PROGRAM = "LOYAL"
TIERS = [
    TierIn(name="member", threshold=0),
    TierIn(name="silver", threshold=5_000_000, multiplier_bp=12_500),
    TierIn(name="gold", threshold=20_000_000, multiplier_bp=15_000, birthday_bonus=500,
           vouchers=["GOLD-VOUCHER"]),
    TierIn(name="vip", threshold=50_000_000, multiplier_bp=20_000, birthday_bonus=2_000),
]  # fmt: skip


def rules_in(clock: Clock, **fields: object) -> RulesIn:
    data: dict[str, object] = {
        "effective_from": clock(), "tiers": TIERS, "pending_days": 0,
        "spend_max_share_bp": 5_000,
        "multipliers": [MultiplierIn(name="tet-x2", factor_bp=20_000, holidays=True)],
        **fields,
    }  # fmt: skip
    return RulesIn.model_validate(data)


@pytest.fixture
def loyal(world: World, clock: Clock) -> Iterator[World]:
    """The world with the LOYAL program and its rules in force now."""
    body = {"id": PROGRAM, "name": "Khách hàng thân thiết", "kind": "member", "unit": "PTS",
            "max_balance": 1_000_000_000}  # fmt: skip
    expect(world.post("/v1/programs", body), 201)
    with world.ledger.db.write() as uow:
        define_rules(uow, PROGRAM, rules_in(clock), clock(), "root")
    yield world
