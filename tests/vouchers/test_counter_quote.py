"""The ledger's counter endpoints, on SQLite and PostgreSQL: the quote of a code against a sale
is what the redemption itself then does (the core's rules in a dry run), the card programs a
counter may sell, and a store's transaction as a refund is checked against."""

from __future__ import annotations

import pytest

from cardsvc.protocol.client import LedgerRefused
from cardsvc.protocol.counter import CounterLedger, QuoteRequest
from cardsvc.protocol.messages import TransactionMsg

from .conftest import DAY, T0, Env

PREPAID = {"id": "PREPAID", "name": "Thẻ trả trước", "kind": "prepaid", "unit": "VND",
           "max_balance": 10_000_000}  # fmt: skip


def quote(counter: CounterLedger, code: str, purchase: int, amount: int | None = None) -> tuple[
    str, int, int
]:  # fmt: skip
    found = counter.quote(QuoteRequest(code=code, purchase_amount=purchase, amount=amount))
    return found.code, found.amount, found.to_pay


def test_a_quote_is_what_the_redemption_does(env_any: Env) -> None:
    env = env_any
    env.campaign(id="TET50", kind="voucher", face_value=50_000, min_spend=200_000,
                 valid_until=T0 + 30 * DAY)  # fmt: skip
    env.campaign(id="GIAM10", kind="voucher", discount_bp=1_000, discount_cap=30_000,
                 valid_until=T0 + 30 * DAY, accepted_stores=["S1"])  # fmt: skip
    env.campaign(id="QUA", kind="gift", face_value=300_000)
    [fixed] = env.codes("TET50", 1)
    [percent] = env.codes("GIAM10", 1)
    [gift] = env.codes("QUA", 1)
    till = env.till("S1-QUAY1", "S1")
    counter = CounterLedger(till)
    assert quote(counter, fixed["code"], 100_000) == ("min_spend_not_met", 0, 100_000)
    assert quote(counter, fixed["qr"], 250_000) == ("ok", 50_000, 200_000)  # QR or typed
    assert quote(counter, fixed["code"].lower().replace("-", " "), 250_000)[0] == "ok"
    # the core's voucher_discount: 10 % of 200.000, and capped at 30.000 on a bigger sale
    assert quote(counter, percent["code"], 200_000) == ("ok", 20_000, 180_000)
    assert quote(counter, percent["code"], 900_000) == ("ok", 30_000, 870_000)
    other_store = CounterLedger(env.till("S2-QUAY1", "S2"))
    assert quote(other_store, percent["code"], 200_000)[0] == "not_accepted_here"
    # a gift card: not sold yet, then sold at the till for its face value in cash ...
    unsold = counter.quote(QuoteRequest(code=gift["code"], purchase_amount=120_000))
    assert (unsold.code, unsold.balance, unsold.program) == ("gift_not_sold", 300_000, "QUA")
    assert unsold.instrument is not None
    sold = TransactionMsg(id="g-1", seq=1, op="issue", instrument=unsold.instrument,
                          program="QUA", amount=300_000, funding="cash")  # fmt: skip
    assert till.submit([sold]).results[0].code == "ok"
    # ... then spent: all it can, or the part asked for
    assert quote(counter, gift["code"], 120_000) == ("ok", 120_000, 0)
    assert quote(counter, gift["code"], 500_000) == ("ok", 300_000, 200_000)
    assert quote(counter, gift["code"], 500_000, 80_000) == ("ok", 80_000, 420_000)
    # redeem what was quoted, then the quote says it is used up
    found = counter.quote(QuoteRequest(code=fixed["code"], purchase_amount=250_000))
    assert found.instrument is not None and found.kind == "voucher" and found.name
    tx = TransactionMsg(id="r-1", seq=2, op="redeem", instrument=found.instrument,
                        amount=found.amount, purchase_amount=250_000)  # fmt: skip
    assert till.submit([tx]).results[0].code == "ok"
    assert quote(counter, fixed["code"], 250_000)[0] == "already_redeemed"
    # the store's transaction, as a refund is checked against it
    seen = counter.transaction("r-1")
    assert (seen.op, seen.amount, seen.code, seen.refunded, seen.voided) == (
        "redeem", 50_000, "ok", 0, False)  # fmt: skip
    with pytest.raises(LedgerRefused) as missing:
        other_store.transaction("r-1")  # another store's is not found
    assert missing.value.status == 404


def test_codes_that_are_not_usable(env_any: Env) -> None:
    env = env_any
    env.campaign(id="SAU", kind="voucher", face_value=10_000, valid_from=T0 + 2 * DAY,
                 valid_until=T0 + 9 * DAY)  # fmt: skip
    env.campaign(id="VE", kind="eticket", uses=1, valid_until=T0 + DAY)
    [later] = env.codes("SAU", 1)
    [ticket] = env.codes("VE", 1)
    counter = CounterLedger(env.till("S1-QUAY1", "S1"))
    assert quote(counter, later["code"], 50_000)[0] == "not_yet_valid"
    assert quote(counter, later["code"][:-1] + "Z", 50_000)[0] in ("code_typo", "unknown_code")
    assert quote(counter, "0000-0000-0000-0000-0", 50_000)[0] == "unknown_code"
    assert quote(counter, later["qr"][:-4] + "AAAA", 50_000)[0] == "qr_bad_signature"
    assert quote(counter, ticket["code"], 0) == ("ok", 0, 0)  # a check-in takes nothing
    env.clock.advance(2 * DAY)
    assert quote(counter, ticket["code"], 0)[0] == "expired"
    assert quote(counter, later["code"], 0)[0] == "purchase_missing"  # valid now: the sale?
    assert quote(counter, later["code"], 50_000) == ("ok", 10_000, 40_000)
    env.post("/v1/programs", PREPAID)
    listed = {p.id: (p.kind, p.unit) for p in counter.programs().programs}
    assert listed["PREPAID"] == ("prepaid", "VND") and "SAU" not in listed and "VE" not in listed
