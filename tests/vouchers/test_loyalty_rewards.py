"""Rewards bought with points through the whole service: the catalog defined with the rules
(admin), one signed `reward` transaction spends the points and issues the voucher, the code and
QR are the same every time they are asked for and resolve to that voucher, which redeems like a
printed one; tier, limit, stock and points refusals come back as codes."""

from __future__ import annotations

from typing import Any

import pytest

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.protocol.qr import decode
from cardsvc.vouchers.lookup import resolve_code
from tests.vouchers.conftest import DAY, Env, expect

_seq = iter(range(1, 10_000))


def send(till: LedgerClient, op: str, instrument: str, amount: int = 0, **fields: Any) -> str:
    n = fields.pop("seq", None) or next(_seq)
    tx = TransactionMsg(id=fields.pop("id", f"t-{n}"), seq=n, op=op, instrument=instrument,
                        amount=amount, **fields)  # type: ignore[arg-type]  # fmt: skip
    [result] = till.submit([tx]).results
    return result.code


def catalog(env: Env) -> None:
    env.post("/v1/programs", {"id": "LOYAL", "name": "Thân thiết", "kind": "member",
                              "unit": "PTS", "max_balance": 10**9})  # fmt: skip
    until = env.clock() + 90 * DAY
    env.campaign(id="CAFE", kind="voucher", face_value=50_000, valid_until=until)
    env.campaign(id="GOLDV", kind="voucher", face_value=200_000, valid_until=until)
    rewards = [
        {"id": "coffee", "name_vi": "Cà phê miễn phí", "name_en": "Free coffee", "points": 300,
         "campaign": "CAFE", "per_member": 1, "stock": 2},
        {"id": "gold-gift", "name_vi": "Quà hạng Vàng", "name_en": "Gold gift", "points": 100,
         "campaign": "GOLDV"},
    ]  # fmt: skip
    tiers = [{"name": "member", "threshold": 0},
             {"name": "gold", "threshold": 1_000_000, "vouchers": ["GOLDV"]}]  # fmt: skip
    body = {"effective_from": env.clock(), "tiers": tiers, "rewards": rewards}
    env.post("/v1/loyalty/programs/LOYAL/rules", body)


def test_a_reward_spends_points_and_issues_a_voucher_with_its_code(env_any: Env) -> None:
    env = env_any  # SQLite and PostgreSQL
    catalog(env)
    till = env.till("T1", "S1")
    assert send(till, "issue", "M-1", program="LOYAL") == "ok"
    assert send(till, "award", "M-1", 500, reason="welcome") == "ok"
    seen = env.get("/v1/loyalty/members/M-1/rewards")["rewards"]
    coffee, gold = seen
    assert (coffee["locked"], coffee["affordable"], coffee["left"], coffee["stock_left"]) == (
        False, True, 1, 2)  # fmt: skip
    assert (gold["locked"], gold["tier_needed"]) == (True, "gold")  # a tier-only voucher
    buy = {"ref": "coffee", "counterparty": "RV-1", "program": "CAFE"}
    assert send(till, "reward", "M-1", 300, id="rw-1", seq=9_001, **buy) == "ok"
    assert send(till, "reward", "M-1", 300, id="rw-1", seq=9_001, **buy) == "exists"  # once
    assert env.get("/v1/instruments/M-1")["balance"] == 200
    assert env.get("/v1/instruments/RV-1")["balance"] == 50_000
    first = env.post("/v1/loyalty/rewards/rw-1/voucher", {}, 200)
    again = env.post("/v1/loyalty/rewards/rw-1/voucher", {}, 200)
    assert first == again and first["instrument"] == "RV-1" and first["value"] == 50_000
    assert till.reward_voucher("rw-1") == first  # the till that sold it, for its receipt
    with pytest.raises(LedgerRefused):
        env.till("T2", "S1").reward_voucher("rw-1")  # a code is given to no other till
    claims = decode(first["payload"]).claims
    assert (claims.instrument, claims.value) == ("RV-1", 50_000)
    with env.ledger.db.read() as uow:
        found = resolve_code(uow, env.vouchers, first["code"])
    assert (found.instrument, found.campaign) == ("RV-1", "CAFE")
    assert send(till, "redeem", "RV-1", 50_000, purchase_amount=80_000) == "ok"
    expect(env.http.post("/v1/loyalty/rewards/nope/voucher", headers=env.admin), 404)


def test_refusals_come_back_as_codes(env_any: Env) -> None:
    env = env_any  # SQLite and PostgreSQL
    catalog(env)
    till = env.till("T1", "S1")
    for card in ("M-1", "M-2", "M-3"):
        assert send(till, "issue", card, program="LOYAL") == "ok"
        assert send(till, "award", card, 1_000, reason="welcome") == "ok"
    gold = {"ref": "gold-gift", "program": "GOLDV"}
    assert send(till, "reward", "M-1", 100, counterparty="G-1", **gold) == "tier_too_low"
    coffee = {"ref": "coffee", "program": "CAFE"}
    assert send(till, "reward", "M-1", 300, counterparty="C-1", **coffee) == "ok"
    assert send(till, "reward", "M-1", 300, counterparty="C-2", **coffee) == (
        "reward_limit_reached")  # fmt: skip
    assert send(till, "reward", "M-2", 300, counterparty="C-3", **coffee) == "ok"
    assert send(till, "reward", "M-3", 300, counterparty="C-4", **coffee) == "out_of_stock"
    assert send(till, "reward", "M-3", 299, counterparty="C-5", **coffee) == "invalid_amount"
    assert send(till, "purchase", "M-3", 0, purchase_amount=1_000_000) == "ok"  # gold now
    assert send(till, "reward", "M-3", 100, counterparty="G-2", **gold) == "ok"
    assert send(till, "reward", "M-1", 100, counterparty="G-3", ref="gold-gift",
                program="NOPE") == "unknown_program"  # fmt: skip
    assert env.get("/v1/instruments/M-1")["balance"] == 700
    assert env.get("/v1/loyalty/members/M-3/rewards")["rewards"][0]["stock_left"] == 0
    assert env.get("/v1/instruments/G-2")["balance"] == 200_000
    refused = env.post("/v1/campaigns/GOLDV/codes", {"count": 1}, 422)  # Gold's only: not printed
    assert "gold tier only" in refused["detail"]
    assert len(env.codes("CAFE", 1)) == 1  # a campaign for everyone still prints
