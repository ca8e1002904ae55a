"""Merging never changes a balance: whatever cards two records own, the kept record owns them
all afterwards with the same balances, and the ledger's total is unchanged (hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.customers.helpers import card, give, sign_up
from tests.ledger.world import Till, World, expect

_numbers = itertools.count(1_000_000)
_cards = itertools.count(1)

AMOUNTS = st.lists(st.integers(min_value=0, max_value=2_000_000), max_size=4)


def _phone() -> str:
    return f"0909{next(_numbers) % 1_000_000:06d}"


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(keep_cards=AMOUNTS, drop_cards=AMOUNTS, spend=st.integers(0, 100_000))
def test_merge_preserves_every_balance(
    world: World, till: Till, keep_cards: list[int], drop_cards: list[int], spend: int
) -> None:
    keep, drop = sign_up(world, _phone()), sign_up(world, _phone())
    owned: dict[str, int] = {}
    for who, amounts in ((keep, keep_cards), (drop, drop_cards)):
        for amount in amounts:
            instrument = card(till, f"H-{next(_cards)}", amount=amount)
            if amount and spend and spend <= amount:
                assert till.do("redeem", instrument, spend).code == "ok"
                amount -= spend
            give(world, who["id"], instrument)
            owned[instrument] = amount
    merged = expect(world.post(f"/v1/customers/{keep['id']}/merge", {"drop": drop["id"]}))
    assert {i["id"]: i["balance"] for i in merged["instruments"]} == owned
    assert merged["merged"]["instruments"] == len(drop_cards)
    assert expect(world.get(f"/v1/customers/{drop['id']}"))["instruments"] == []
