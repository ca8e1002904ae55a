"""Every terminal operation through the HTTP API, with results and balances, on both databases."""

from __future__ import annotations

from cardsvc.protocol.messages import ResultMsg
from tests.ledger.books import assert_double_entry, assert_liability_consistent, posting_sums
from tests.ledger.world import T0, Till, World, expect


def outcome(r: ResultMsg) -> tuple[str, int | None]:
    return r.code, r.balance_after


def test_issue_top_up_redeem_refund_void(world: World, till: Till) -> None:
    assert outcome(till.do("issue", "C1", 500_000, program="PREPAID")) == ("ok", 500_000)
    assert outcome(till.do("top_up", "C1", 200_000)) == ("ok", 700_000)
    spend = till.tx("redeem", "C1", 150_000)
    assert outcome(till.send(spend)[0]) == ("ok", 550_000)
    assert outcome(till.do("refund", "C1", 50_000, ref=spend.id)) == ("ok", 600_000)
    assert till.do("refund", "C1", 100_001, ref=spend.id).code == "refund_exceeds_redemption"
    load = till.tx("top_up", "C1", 10_000)
    assert outcome(till.send(load)[0]) == ("ok", 610_000)
    assert outcome(till.do("void", "C1", ref=load.id)) == ("ok", 600_000)
    assert till.do("void", "C1", ref=load.id).code == "already_voided"
    assert world.balance("C1") == 600_000
    sums = posting_sums(world.ledger.db.engine)
    assert sums["cash:S1"] == -700_000  # 500k + 200k sold for cash; the voided 10k came back
    assert sums["settle:S1"] == 100_000  # 150k spent, 50k refunded
    assert_double_entry(world.ledger.db.engine)


def test_transfer_hold_capture_release(world: World, till: Till) -> None:
    till.do("issue", "C1", 600_000, program="PREPAID")
    till.do("issue", "C2", 0, program="PREPAID")
    assert outcome(till.do("transfer", "C1", 100_000, counterparty="C2")) == ("ok", 500_000)
    assert world.balance("C2") == 100_000
    hold = till.tx("hold", "C1", 200_000, expires_at=T0 + 600)
    assert outcome(till.send(hold)[0]) == ("ok", 500_000)
    assert till.do("redeem", "C1", 400_000).code == "insufficient_funds"  # 200k is held
    assert outcome(till.do("capture", "C1", 150_000, ref=hold.id)) == ("ok", 350_000)
    assert till.do("capture", "C1", 10_000, ref=hold.id).code == "hold_closed"
    second = till.tx("hold", "C1", 100_000, expires_at=T0 + 600)
    till.send(second)
    assert outcome(till.do("release", "C1", ref=second.id)) == ("ok", 350_000)
    assert outcome(till.do("redeem", "C1", 350_000)) == ("ok", 0)
    assert world.view("C1")["balance"] == 0
    assert_double_entry(world.ledger.db.engine)


def test_vouchers_and_points(world: World, till: Till) -> None:
    issued = till.do("issue", "V1", 50_000, program="VOUCHER", funding="promotion")
    assert outcome(issued) == ("ok", 50_000)
    small = till.do("redeem", "V1", 50_000, purchase_amount=100_000)
    assert small.code == "min_spend_not_met"
    assert outcome(till.do("redeem", "V1", 50_000, purchase_amount=250_000)) == ("ok", 0)
    assert till.do("redeem", "V1", 1, purchase_amount=250_000).code == "already_redeemed"
    till.do("issue", "M1", 1_200, program="MEMBER", funding="promotion")
    assert outcome(till.do("top_up", "M1", 300, funding="promotion")) == ("ok", 1_500)
    assert till.do("transfer", "M1", 100, counterparty="V1").code == "unit_mismatch"
    sums = posting_sums(world.ledger.db.engine)
    assert sums["promo:VOUCHER"] == -50_000 and sums["promo:MEMBER"] == -1_500
    assert world.view("M1")["unit"] == "PTS"
    assert_double_entry(world.ledger.db.engine)


def test_block_unblock_expire_through_the_people_endpoints(world: World, till: Till) -> None:
    staff = world.person("nhan-vien-1", "staff", "S1")
    finance = world.person("ke-toan", "finance")
    till.do("issue", "G1", 300_000, program="GIFT")
    assert world.view("G1")["valid_until"] == T0 + 30 * 86_400
    assert expect(world.act("G1", "block", staff))["code"] == "ok"
    assert world.view("G1")["status"] == "blocked"
    assert till.client.hotlist() == ["G1"]
    assert till.client.lookup("G1")["status"] == "blocked"
    assert till.do("redeem", "G1", 1_000).code == "instrument_blocked"
    assert expect(world.act("G1", "unblock", staff))["code"] == "ok"
    assert till.client.hotlist() == []
    assert outcome(till.do("redeem", "G1", 100_000)) == ("ok", 200_000)
    assert expect(world.act("G1", "expire", finance))["code"] == "not_yet_expired"
    world.clock.advance(31 * 86_400)
    assert till.do("redeem", "G1", 1_000).code == "expired"
    expired = expect(world.act("G1", "expire", finance))
    assert (expired["code"], expired["balance_after"]) == ("ok", 0)
    assert world.view("G1")["status"] == "expired"
    assert posting_sums(world.ledger.db.engine)["breakage:GIFT"] == 200_000
    assert expect(world.act("G1", "unblock", staff))["code"] == "expired"
    assert expect(world.act("NO-SUCH-CARD", "block", staff), 404)["error"] == "not_found"
    history = expect(world.get("/v1/instruments/G1/history"))["transactions"]
    assert {(t["op"], t["code"], t["terminal_id"]) for t in history if t["op"] == "block"} == {
        ("block", "ok", "api")
    }
    assert_double_entry(world.ledger.db.engine)


def test_instrument_history_lists_every_transaction_touching_it(world: World, till: Till) -> None:
    sent = [
        till.tx("issue", "C1", 100_000, program="PREPAID"),
        till.tx("issue", "C2", 0, program="PREPAID"),
        till.tx("redeem", "C1", 10_000),
        till.tx("transfer", "C1", 20_000, counterparty="C2"),
        till.tx("redeem", "C2", 999_999),
    ]
    till.send(*sent)
    body = expect(world.get("/v1/instruments/C1/history"))
    assert body["instrument"]["balance"] == 70_000
    assert {t["id"] for t in body["transactions"]} == {t.id for t in sent[:1] + sent[2:4]}
    of_c2 = expect(world.get("/v1/instruments/C2/history"))["transactions"]
    codes = {t["id"]: t["code"] for t in of_c2}
    assert codes == {sent[1].id: "ok", sent[3].id: "ok", sent[4].id: "insufficient_funds"}
    limited = expect(world.get("/v1/instruments/C1/history?limit=1"))["transactions"]
    assert len(limited) == 1
    assert expect(world.get("/v1/instruments/NOPE/history"), 404)["error"] == "not_found"


def test_liability_report_matches_balances_and_postings(world: World, till: Till) -> None:
    till.do("issue", "C1", 400_000, program="PREPAID")
    till.do("issue", "C2", 250_000, program="PREPAID")
    till.do("redeem", "C1", 123_456)
    till.do("issue", "G1", 90_000, program="GIFT")
    till.do("issue", "M1", 5_000, program="MEMBER", funding="promotion")
    report = expect(world.get("/v1/reports/liability"))
    assert_liability_consistent(report, world.ledger.db.engine)
    figures = {
        (r["program"], r["unit"]): (r["instruments"], r["balance"]) for r in report["programs"]
    }
    assert figures == {
        ("PREPAID", "VND"): (2, 526_544),
        ("GIFT", "VND"): (1, 90_000),
        ("MEMBER", "PTS"): (1, 5_000),
    }


def test_voiding_a_refund_gives_the_refunded_amount_back(world: World, till: Till) -> None:
    till.do("issue", "C1", 100_000, program="PREPAID")
    spend = till.tx("redeem", "C1", 40_000)
    till.send(spend)
    refund = till.tx("refund", "C1", 15_000, ref=spend.id)
    assert outcome(till.send(refund)[0]) == ("ok", 75_000)
    assert outcome(till.do("void", "C1", ref=refund.id)) == ("ok", 60_000)
    assert outcome(till.do("refund", "C1", 40_000, ref=spend.id)) == ("ok", 100_000)
    assert_double_entry(world.ledger.db.engine)
