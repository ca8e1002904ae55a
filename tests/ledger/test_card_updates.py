"""Ledger-to-card updates: a value change made at the ledger is posted at once, queued for the
card, and accepted as written exactly once, at whichever terminal the card is tapped next;
the card mirror then agrees with the card, so no alert is raised."""

from __future__ import annotations

from typing import Any

from cardsvc.protocol.messages import CardEvidence
from tests.ledger.world import Till, World, expect

UID = "04A1B2C3D4E5F6"
CARD = f"card-{UID}"


def ev(counter: int, before: int, after: int) -> CardEvidence:
    return CardEvidence(uid=UID, counter=counter, before=before, after=after)


def change(world: World, auth: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    body.setdefault("instrument", CARD)
    got: dict[str, Any] = expect(world.post("/v1/card-updates", body, auth), 201)
    return got


def alerts(world: World) -> list[str]:
    return [a["kind"] for a in expect(world.get("/v1/reports/card-alerts"))["alerts"]]


def test_an_adjustment_is_written_once_at_the_next_tap_anywhere(world: World, till: Till) -> None:
    assert till.do("issue", CARD, 100_000, program="PREPAID", card=ev(1, 0, 100_000)).code == "ok"
    got = change(world, id="adj-1", kind="adjustment", amount=50_000, note="Bồi thường")
    assert got["result"]["code"] == "ok" and got["update"] == "cu-adj-1"
    assert world.balance(CARD) == 150_000  # posted at once
    assert change(world, id="adj-1", kind="adjustment", amount=50_000)["update"] is None

    other, third = world.till("T2", "S2"), world.till("T3", "S1")
    seen = other.client.card(UID)
    assert (seen["instrument"], seen["card_counter"], seen["card_value"]) == (CARD, 1, 100_000)
    assert [(u["id"], u["amount"]) for u in seen["updates"]] == [("cu-adj-1", 50_000)]

    write = other.tx("card_update", f"card-{UID}", 50_000, ref="cu-adj-1",
                     card=ev(2, 100_000, 150_000))  # fmt: skip
    assert other.send(write)[0].model_dump(include={"code", "balance_after"}) == {
        "code": "ok", "balance_after": 150_000}
    assert other.send(write)[0].code == "exists"  # a resend of the same write
    assert other.client.card(UID)["updates"] == []
    # A terminal that wrote it too (it had the update before the first write reached the
    # ledger) is refused; it sets its card back and says so.
    twice = third.tx("card_update", CARD, 50_000, ref="cu-adj-1", card=ev(3, 150_000, 200_000))
    assert third.send(twice)[0].code == "card_update_applied"
    back = third.tx("void", CARD, ref=twice.id, card=ev(4, 200_000, 150_000))
    third.send(back)
    assert till.do("redeem", CARD, 10_000, card=ev(5, 150_000, 140_000)).code == "ok"
    assert world.balance(CARD) == 140_000
    assert alerts(world) == []  # the card and the ledger agree: nothing to report
    updates = expect(world.get(f"/v1/instruments/{CARD}/card-updates"))["updates"]
    assert [(u["id"], u["state"]) for u in updates] == [("cu-adj-1", "written")]


def test_a_debit_and_a_write_that_does_not_match(world: World, till: Till) -> None:
    till.do("issue", CARD, 100_000, program="PREPAID", card=ev(1, 0, 100_000))
    got = change(world, id="adj-2", kind="adjustment", amount=20_000, credit=False)
    assert world.balance(CARD) == 80_000 and got["update"] == "cu-adj-2"
    wrong = till.do("card_update", CARD, 20_000, ref="cu-adj-2", card=ev(2, 100_000, 120_000))
    assert wrong.code == "card_update_mismatch"
    unknown = till.do("card_update", CARD, 20_000, ref="cu-nope", card=ev(3, 120_000, 100_000))
    assert unknown.code == "card_update_unknown"
    right = till.do("card_update", CARD, 20_000, ref="cu-adj-2", card=ev(4, 100_000, 80_000))
    assert (right.code, right.balance_after) == ("ok", 80_000)


def test_roles_and_cards_without_a_purse(world: World, till: Till) -> None:
    till.do("issue", CARD, 100_000, program="PREPAID", card=ev(1, 0, 100_000))
    staff = world.person("an", "staff", "S2")
    refused = world.post("/v1/card-updates",
                         {"instrument": CARD, "kind": "adjustment", "amount": 1_000}, staff)
    assert refused.status_code == 403
    paid = change(world, staff, kind="top_up", amount=30_000)  # paid at store S2
    assert paid["result"]["code"] == "ok" and paid["update"] is not None
    till.do("issue", "card-0A0B0C0D", 0, program="PREPAID")  # an online-only card
    online = change(world, staff, instrument="card-0A0B0C0D", kind="top_up", amount=5_000)
    assert online["update"] is None  # its value lives at the ledger only
    assert expect(world.post("/v1/card-updates", {"instrument": "nope", "kind": "top_up",
                                                  "amount": 5}), 404)  # fmt: skip


def test_expiry_is_written_to_the_card_before_it_is_refused(world: World, till: Till) -> None:
    gift = "card-04E1E2E3E4E5E6"
    card = CardEvidence(uid="04E1E2E3E4E5E6", counter=1, before=0, after=80_000)
    assert till.do("issue", gift, 80_000, program="GIFT", card=card).code == "ok"
    world.clock.advance(31 * 86_400)
    assert expect(world.act(gift, "expire", world.admin))["code"] == "ok"
    seen = till.client.card("04E1E2E3E4E5E6")
    assert [(u["amount"], u["reason"]) for u in seen["updates"]] == [(-80_000, "expiry")]
    assert gift in till.client.hotlist()  # refused once written
    write = till.do("card_update", gift, 80_000, ref=seen["updates"][0]["id"],
                    card=CardEvidence(uid="04E1E2E3E4E5E6", counter=2, before=80_000, after=0))
    assert write.code == "ok" and till.client.card("04E1E2E3E4E5E6")["updates"] == []
