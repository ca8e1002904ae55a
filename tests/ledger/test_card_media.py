"""Card media: a lost card is replaced, late offline taps of the old card synced during the
holding window are counted against the instrument, and when the window closes the value left
on the old card moves to the new card (postings, a receipt, an update queued for the card)."""

from __future__ import annotations

from typing import Any

from cardsvc.protocol.messages import CardEvidence
from tests.ledger.world import DAY, Till, World, expect

OLD, NEW = "04A1B2C3D4E5F6", "04B7C8D9E0F102"


def ev(uid: str, counter: int, before: int, after: int) -> CardEvidence:
    return CardEvidence(uid=uid, counter=counter, before=before, after=after)


def issue_card(till: Till, uid: str = OLD, value: int = 100_000) -> None:
    r = till.do("issue", f"card-{uid}", value, program="PREPAID", card=ev(uid, 1, 0, value))
    assert r.code == "ok"


def replace(world: World, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("new_uid", NEW)
    body.setdefault("reason", "lost")
    got: dict[str, Any] = expect(world.post(f"/v1/cards/{OLD}/replace", body, auth), 201)
    return got


def liability_consistent(world: World) -> bool:
    return bool(expect(world.get("/v1/reports/liability"))["consistent"])


def test_lost_card_late_tap_in_window_then_value_moves(world: World, till: Till) -> None:
    staff = world.person("an", "staff", "S1")
    offline = world.till("T2", "S2")
    issue_card(till)
    late = offline.tx("redeem", f"card-{OLD}", 10_000, card=ev(OLD, 2, 100_000, 90_000),
                      occurred_at=world.clock())  # fmt: skip
    got = replace(world, staff, id="rp-1")
    assert (got["state"], got["held_amount"], got["instrument"]) == (
        "holding", 100_000, f"card-{OLD}")
    assert got["window_until"] == world.clock() + 7 * DAY
    hot = expect(world.http.get("/v1/cards/" + NEW, headers=staff))
    assert (hot["instrument"], hot["state"]) == (f"card-{OLD}", "active")
    blocked = till.client.hotlist()
    assert f"card-{OLD}" in blocked and f"card-{NEW}" not in blocked

    world.clock.advance(3 * DAY)
    assert offline.send(late)[0].code == "ok"  # the till synced days later: accepted
    assert offline.send(late)[0].code == "exists"
    # The old card may still spend (its value is held), never top up.
    topup = offline.do("top_up", f"card-{OLD}", 5_000, card=ev(OLD, 3, 90_000, 95_000))
    assert topup.code == "card_medium_blocked"
    # The new card is the same instrument: a top-up of it lands on card-<OLD>.
    r = till.do("top_up", f"card-{NEW}", 20_000, card=ev(NEW, 1, 0, 20_000))
    assert (r.code, r.balance_after) == ("ok", 20_000)

    world.clock.advance(4 * DAY)
    closed = expect(world.post("/v1/replacements/close-due", {}))["closed"]
    assert [(c["id"], c["moved"], c["spent_late"]) for c in closed] == [("rp-1", 90_000, 10_000)]
    assert [t["amount"] for t in closed[0]["late_taps"]] == [10_000]
    assert world.balance(f"card-{OLD}") == 110_000
    assert world.balance(f"held-{OLD}") == 0
    updates = expect(world.get(f"/v1/instruments/card-{OLD}/card-updates"))["updates"]
    assert [(u["amount"], u["reason"], u["state"]) for u in updates] == [
        (90_000, "move", "pending")]
    assert expect(world.post("/v1/replacements/close-due", {}))["closed"] == []  # idempotent

    after = offline.do("redeem", f"card-{OLD}", 1_000, card=ev(OLD, 4, 90_000, 89_000))
    assert after.code == "card_medium_blocked"  # the window is over
    assert offline.send(late)[0].code == "exists"  # a resend is still its first answer
    receipt = expect(world.get("/v1/replacements/rp-1"))
    assert (receipt["state"], receipt["moved"]) == ("closed", 90_000)
    media = expect(world.get(f"/v1/instruments/card-{OLD}/media"))["media"]
    assert [(m["uid"], m["state"]) for m in media] == [(OLD, "replaced"), (NEW, "active")]
    assert liability_consistent(world)


def test_replacing_twice_with_the_same_id_is_one_replacement(world: World, till: Till) -> None:
    staff = world.person("an", "staff", "S1")
    issue_card(till)
    first = replace(world, staff, id="rp-9")
    counts = world.counts()
    assert replace(world, staff, id="rp-9") == first
    assert world.counts() == counts
    again = world.post(f"/v1/cards/{OLD}/replace", {"id": "rp-10", "new_uid": "04C0C0C0C0C0C0",
                                                    "reason": "stolen"}, staff)  # fmt: skip
    assert expect(again, 409)["error"] == "card_medium_blocked"  # already reported lost


def test_a_damaged_card_read_at_the_counter_moves_at_once(world: World, till: Till) -> None:
    issue_card(till)
    body = {"id": "rp-d", "reason": "damaged", "reading": {"value": 100_000, "counter": 1}}
    got = replace(world, world.admin, **body)
    assert (got["state"], got["moved"], got["spent_late"]) == ("closed", 100_000, 0)
    assert world.balance(f"card-{OLD}") == 100_000


def test_a_damaged_card_with_unsynced_taps_waits_for_them(world: World, till: Till) -> None:
    issue_card(till)
    body = {"id": "rp-d", "reason": "damaged", "reading": {"value": 80_000, "counter": 3}}
    assert replace(world, world.admin, **body)["state"] == "holding"


def test_a_card_of_another_instrument_is_refused(world: World, till: Till) -> None:
    issue_card(till)
    issue_card(till, "04D0D0D0D0D0D0", 5_000)
    odd = till.do("redeem", "card-04D0D0D0D0D0D0", 1_000, card=ev(OLD, 2, 100_000, 99_000))
    assert odd.code == "card_medium_mismatch"
    assert world.balance(f"card-{OLD}") == 100_000


def test_people_without_the_role_cannot_replace(world: World, till: Till) -> None:
    issue_card(till)
    finance = world.person("fin", "finance", None)
    response = world.post(f"/v1/cards/{OLD}/replace", {"new_uid": NEW, "reason": "lost"}, finance)
    assert response.status_code == 403
    assert expect(world.get(f"/v1/cards/{OLD}"))["state"] == "active"


def test_bad_input_is_refused_in_words(world: World, till: Till) -> None:
    issue_card(till)
    same = world.post(f"/v1/cards/{OLD}/replace", {"new_uid": OLD, "reason": "lost"})
    assert "another card" in expect(same, 422)["detail"]
    unknown = world.post("/v1/cards/0499999999999999/replace", {"new_uid": NEW, "reason": "lost"})
    assert expect(unknown, 404)["error"] == "not_found"
    junk = world.post(f"/v1/cards/{OLD}/replace", {"new_uid": "zz", "reason": "lost"})
    assert junk.status_code == 422


def report_torn(till: Till, msg: Any) -> dict[str, str]:
    return till.client.report_torn([msg])


def test_a_torn_tap_is_settled_where_the_card_shows_up_next(world: World, till: Till) -> None:
    other = world.till("T2", "S2")
    issue_card(till)
    torn = till.tx("redeem", f"card-{OLD}", 30_000, card=ev(OLD, 2, 100_000, 70_000))
    assert report_torn(till, torn) == {torn.id: "open"}
    assert report_torn(till, torn) == {torn.id: "open"}  # reported again: kept once
    # The card's next tap elsewhere starts from 70.000 at counter 3: the torn debit happened.
    r = other.do("redeem", f"card-{OLD}", 10_000, card=ev(OLD, 3, 70_000, 60_000))
    assert (r.code, r.balance_after) == ("ok", 60_000)
    assert report_torn(till, torn) == {torn.id: "committed"}
    assert till.send(torn)[0].code == "exists"  # its till sends it at last: already there
    assert expect(world.get("/v1/reports/card-alerts"))["alerts"] == []  # no gap left
    assert liability_consistent(world)


def test_a_torn_tap_whose_counter_went_elsewhere_did_not_happen(
    world: World, till: Till
) -> None:
    other = world.till("T2", "S2")
    issue_card(till)
    torn = till.tx("redeem", f"card-{OLD}", 30_000, card=ev(OLD, 2, 100_000, 70_000))
    report_torn(till, torn)
    r = other.do("redeem", f"card-{OLD}", 10_000, card=ev(OLD, 2, 100_000, 90_000))
    assert (r.code, r.balance_after) == ("ok", 90_000)
    assert report_torn(till, torn) == {torn.id: "cancelled"}
    still = till.tx("redeem", f"card-{OLD}", 5_000, card=ev("04E0E0E0E0E0E0", 2, 9, 4))
    report_torn(till, still)
    world.clock.advance(3 * DAY)
    listed = expect(world.get("/v1/reports/torn?older_than_s=86400"))["torn"]
    assert [t["tx_id"] for t in listed] == [still.id]  # the card never showed up: finance's
