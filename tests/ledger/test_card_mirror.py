"""The ledger's mirror of purse cards: a restored or cloned card is refused and blocked; a late
offline sync from another terminal is not a replay; gaps and divergence raise alerts."""

from __future__ import annotations

from cardsvc.protocol.messages import CardEvidence
from tests.ledger.world import Till, World, expect

UID = "04A1B2C3D4E5F6"


def card(counter: int, before: int, after: int) -> CardEvidence:
    return CardEvidence(uid=UID, counter=counter, before=before, after=after)


def alerts(world: World) -> list[tuple[str, str]]:
    rows = expect(world.get("/v1/reports/card-alerts"))["alerts"]
    return sorted((a["kind"], a["tx_id"]) for a in rows)


def test_a_replayed_counter_is_refused_and_the_card_blocked(world: World, till: Till) -> None:
    till.do("issue", "card-1", 100_000, program="PREPAID", card=card(1, 0, 100_000))
    spend = till.tx("redeem", "card-1", 30_000, card=card(2, 100_000, 70_000))
    assert till.send(spend)[0].code == "ok"
    assert till.send(spend)[0].code == "exists"  # a resend is not a replay
    clone = till.tx("redeem", "card-1", 30_000, card=card(2, 100_000, 70_000))
    before = world.counts()
    assert till.send(clone)[0].code == "card_replay"
    assert world.counts()["postings"] == before["postings"]
    assert world.balance("card-1") == 70_000
    assert "card-1" in till.client.hotlist()
    assert alerts(world) == [("replay", clone.id)]


def test_a_late_offline_sync_fills_the_gap_it_left(world: World, till: Till) -> None:
    other = world.till("T2", "S1")
    till.do("issue", "card-1", 100_000, program="PREPAID", card=card(1, 0, 100_000))
    offline = other.tx("redeem", "card-1", 10_000, card=card(2, 100_000, 90_000))
    online = till.tx("redeem", "card-1", 20_000, card=card(3, 90_000, 70_000))
    assert till.send(online)[0].code == "ok"  # seen first: counter 2 is missing
    assert other.send(offline)[0].code == "ok"  # the offline tap arrives later: not a replay
    assert world.balance("card-1") == 70_000
    assert "card-1" not in till.client.hotlist()
    assert alerts(world) == [("gap", online.id)]


def test_a_card_that_disagrees_with_the_ledger_raises_divergence(world: World, till: Till) -> None:
    till.do("issue", "card-1", 100_000, program="PREPAID", card=card(1, 0, 100_000))
    odd = till.tx("redeem", "card-1", 10_000, card=card(2, 150_000, 140_000))
    assert till.send(odd)[0].code == "ok"
    assert alerts(world) == [("divergence", odd.id)]
