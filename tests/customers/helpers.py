"""Shared steps of the customer tests: sign-up bodies and member cards issued at a till."""

from __future__ import annotations

from typing import Any

from tests.ledger.world import Till, World, expect


def sign_up(world: World, phone: str, name: str = "Nguyễn Thị Lan", **extra: Any) -> Any:
    body = {"phone": phone, "name": name, "birth_day": 14, "birth_month": 3, **extra}
    return expect(world.post("/v1/customers", body), 201)


def card(till: Till, instrument: str, program: str = "PREPAID", amount: int = 0) -> str:
    """Issue an instrument at the till (sold for cash); its id."""
    result = till.do("issue", instrument, amount, program=program)
    assert result.code == "ok", result
    return instrument


def give(world: World, customer: str, instrument: str) -> Any:
    return expect(world.post(f"/v1/customers/{customer}/instruments", {"instrument": instrument}))
