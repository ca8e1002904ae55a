"""Campaigns through the API: budgets, voucher rules, gift cards sold at the till, e-tickets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from cardsvc.protocol import qr
from cardsvc.protocol.client import LedgerClient
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.storage.schema import postings, voucher_codes
from cardsvc.vouchers.codes import canonical, code_hash
from tests.vouchers.conftest import DAY, T0, Env, expect


class Counter:
    def __init__(self, client: LedgerClient) -> None:
        self.client, self.seq = client, 0

    def send(self, op: str, instrument: str, **kw: Any) -> str:
        self.seq += 1
        msg = TransactionMsg(id=f"{self.client.terminal_id}-{self.seq}", seq=self.seq, op=op,
                             instrument=instrument, **kw)
        return self.client.submit([msg]).results[0].code

    def resolve(self, code: str) -> str:
        return str(self.client._send(  # the terminal-side code look-up
            "POST", "/v1/terminal/codes/resolve", f'{{"code": "{code}"}}'.encode()
        ).json()["instrument"])


def fixed_voucher(env: Env, cid: str = "TET50", **kw: Any) -> str:
    body = {"id": cid, "kind": "voucher", "face_value": 50_000, "min_spend": 200_000,
            "valid_from": T0, "valid_until": T0 + 30 * DAY, "budget": 150_000}
    body.update(kw)
    return env.campaign(**body)


def test_budget_commits_the_worst_case_and_refuses_overspend(env: Env) -> None:
    cid = fixed_voucher(env)
    codes = env.codes(cid, 3)
    assert len({c["code"] for c in codes}) == 3
    refused = env.http.post(f"/v1/campaigns/{cid}/codes", json={"count": 1}, headers=env.admin)
    assert expect(refused, 409)["error"] == "budget_exceeded"
    summary = env.get(f"/v1/campaigns/{cid}")
    assert (summary["committed"], summary["uncommitted"]) == (150_000, 0)
    assert [b["count"] for b in summary["batches"]] == [3]
    pct = env.campaign(id="PCT10", kind="voucher", discount_bp=1000, discount_cap=30_000,
                       valid_until=T0 + DAY, budget=100_000)
    env.codes(pct, 3)
    over = env.http.post(f"/v1/campaigns/{pct}/codes", json={"count": 1}, headers=env.admin)
    assert expect(over, 409)["error"] == "budget_exceeded"


def test_only_hashes_of_codes_are_stored(env: Env) -> None:
    cid = fixed_voucher(env)
    code = env.codes(cid, 1)[0]
    with env.ledger.db.engine.connect() as conn:
        rows = conn.execute(select(voucher_codes)).all()
    assert len(rows) == 1
    assert rows[0].code_hash == code_hash(canonical(code["code"]), env.vouchers.pepper)
    assert canonical(code["code"]) not in str(rows[0])
    assert rows[0].instrument_id == code["instrument"]


def test_fixed_voucher_rules_and_promotion_expense(env: Env) -> None:
    cid = fixed_voucher(env)
    code = env.codes(cid, 1)[0]
    till = Counter(env.till("HN01-POS1", "HN01"))
    inst = till.resolve(code["code"].lower())
    assert inst == code["instrument"]
    assert till.send("redeem", inst, amount=50_000, purchase_amount=100_000) == (
        "min_spend_not_met"
    )
    assert till.send("redeem", inst, amount=50_000, purchase_amount=250_000) == "ok"
    assert till.send("redeem", inst, amount=50_000, purchase_amount=250_000) == (
        "already_redeemed"
    )
    with env.ledger.db.engine.connect() as conn:
        promo = conn.execute(select(func.sum(postings.c.amount))
                             .where(postings.c.account == f"promo:{cid}")).scalar_one()
        cash = conn.execute(select(func.count()).select_from(postings)
                            .where(postings.c.account.like("cash:%"))).scalar_one()
    assert promo == -50_000 and cash == 0  # given away by the program, not sold for cash


def test_discount_voucher_honours_its_cap(env: Env) -> None:
    cid = env.campaign(id="PCT10", kind="voucher", discount_bp=1000, discount_cap=30_000,
                       valid_until=T0 + DAY, budget=1_000_000)
    inst = env.codes(cid, 1)[0]["instrument"]
    till = Counter(env.till("T1", "S1"))
    assert till.send("redeem", inst, amount=50_000, purchase_amount=500_000) == "limit_exceeded"
    assert till.send("redeem", inst, amount=30_000, purchase_amount=500_000) == "ok"


def test_gift_card_is_activated_when_sold_and_spent_in_parts(env: Env) -> None:
    cid = env.campaign(id="GIFT500", kind="gift", face_value=500_000, validity_s=365 * DAY,
                       accepted_stores=["S1"])
    code = env.codes(cid, 1)[0]
    till = Counter(env.till("T1", "S1"))
    inst = till.resolve(code["code"])
    assert till.send("redeem", inst, amount=1) == "not_found"  # printed, not sold yet
    assert till.send("issue", inst, amount=500_000, program=cid) == "ok"
    assert till.send("redeem", inst, amount=120_000) == "ok"
    assert till.send("redeem", inst, amount=80_000) == "ok"
    assert till.client.lookup(inst)["balance"] == 300_000
    other = Counter(env.till("T2", "S2"))
    assert other.send("redeem", inst, amount=1_000) == "not_accepted_here"
    check = qr.verify(code["qr"], env.vouchers.keyring, env.clock())
    assert check.ok and check.claims is not None and check.claims.value == 500_000


def test_eticket_entries_passback_window_and_gate_lists(env: Env) -> None:
    cid = env.campaign(id="CONCERT", kind="eticket", uses=2, passback_s=600,
                       valid_from=T0, valid_until=T0 + DAY, gates=["G1", "G2"])
    inst = env.codes(cid, 1)[0]["instrument"]
    g1, g2 = Counter(env.till("G1", "VENUE")), Counter(env.till("G2", "VENUE"))
    assert g1.send("redeem", inst) == "ok"
    env.clock.advance(60)
    assert g2.send("redeem", inst) == "passback"
    env.clock.advance(600)
    assert g2.send("redeem", inst) == "ok"
    env.clock.advance(700)
    assert g1.send("redeem", inst) == "already_redeemed"
    lists = {g: env.get(f"/v1/campaigns/{cid}/checkins", gate=g)["checkins"] for g in ("G1", "G2")}
    assert [r["code"] for r in lists["G1"]] == ["already_redeemed", "ok"]
    assert [r["code"] for r in lists["G2"]] == ["ok", "passback"]
    late = env.codes(cid, 1)[0]["instrument"]
    env.clock.now = T0 + DAY
    assert g1.send("redeem", late) == "expired"


def test_inconsistent_campaigns_are_refused(env: Env) -> None:
    for body in (
        {"id": "A", "kind": "voucher", "face_value": 1},  # no validity window
        {"id": "B", "kind": "voucher", "valid_until": T0 + 1, "face_value": 1, "discount_bp": 5},
        {"id": "C", "kind": "voucher", "valid_until": T0 + 1, "discount_bp": 5, "budget": 9},
        {"id": "D", "kind": "gift"},
        {"id": "E", "kind": "eticket", "valid_until": T0 + 1, "face_value": 5},
    ):
        body["name"] = "x"
        assert env.post("/v1/campaigns", body, 422)["error"] == "malformed_request"
    fixed_voucher(env, "DUP")
    assert env.post("/v1/campaigns", {"id": "DUP", "name": "x", "kind": "gift",
                                      "face_value": 1}, 409)["error"] == "conflict"
