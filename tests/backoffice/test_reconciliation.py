"""Reconciliation actions that act: a write-off is a ledger transaction with balanced postings
to the program's write-off account (the liability report still equals the journal, the journal
export maps it to the chart); a correction on the next tap is queued for the card, pending
until the card's write reaches the ledger; store scopes hold. SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from cardsvc.protocol.messages import CardEvidence
from cardsvc.services import liability_check, reconciliation
from tests.backoffice.office import Browser, make_person
from tests.ledger.world import Till, World, expect

UID = "04A1B2C3D4E5F6"
CARD = "card-" + UID
PAGE = "/admin/reconciliation"


def evidence(counter: int, before: int, after: int) -> CardEvidence:
    return CardEvidence(uid=UID, counter=counter, before=before, after=after)


@pytest.fixture
def diverged(world: World) -> tuple[World, Till]:
    """A purse card that holds 50.000 ₫ more than the ledger: 140.000 against 90.000."""
    till = world.till("T1", "S1")
    assert till.do("issue", CARD, 100_000, program="PREPAID",
                   card=evidence(1, 0, 100_000)).code == "ok"  # fmt: skip
    assert till.do("redeem", CARD, 10_000, card=evidence(2, 150_000, 140_000)).code == "ok"
    make_person(world, "fin", "finance")
    make_person(world, "fin2", "finance", "S2")
    return world, till


def signed_in(world: World, who: str) -> Browser:
    b = Browser(world)
    assert b.sign_in(who).status_code == 303
    return b


def alert_id(world: World) -> int:
    [alert] = expect(world.get("/v1/reports/card-alerts"))["alerts"]
    assert alert["kind"] == "divergence"
    return int(alert["id"])


def act(b: Browser, alert: int, action: str, reason: str = "") -> int:
    answer = b.post_form(PAGE, f"{PAGE}/{alert}", {"action": action, "reason": reason})
    return answer.status_code


def alerts_row(b: Browser) -> str:
    page = b.get(PAGE + "?lang=en").text
    found = re.search(r'<table id="alerts">.*?</table>', page, re.S)
    assert found
    return found.group(0)


def test_write_off_posts_to_the_write_off_account_and_the_books_stay_equal(
    diverged: tuple[World, Till],
) -> None:
    world, _ = diverged
    b = signed_in(world, "fin")
    alert = alert_id(world)
    assert "50.000" in alerts_row(b)  # card minus ledger, before the action
    assert act(b, alert, "write_off") == 422  # a write-off needs a reason
    assert act(b, alert, "write_off", "thẻ ghi có bị rách, khách đã nhận hàng") == 303
    assert world.balance(CARD) == 140_000
    history = expect(world.get(f"/v1/instruments/{CARD}/history"))["transactions"]
    assert [h["op"] for h in history if h["op"] == "write_off"] == ["write_off"]
    with world.ledger.db.read() as uow:
        assert uow.finance.shadows(None, 10) == []  # the card and the ledger agree now
        assert liability_check.run_check(uow, world.clock()).consistent
    journal = b.get("/admin/finance/journal?format=csv&lang=en").text
    lines = [line for line in journal.splitlines() if "writeoff:PREPAID" in line]
    assert len(lines) == 1 and ";811;" in lines[0] and lines[0].endswith(";50000;0")  # a debit
    row = alerts_row(b)
    assert "Write off" in row and "fin" in row and "khách đã nhận hàng" in row
    assert act(b, alert, "write_off", "again") == 422  # nothing is left to write off
    assert world.balance(CARD) == 140_000


def test_correction_is_pending_until_the_card_write_reaches_the_ledger(
    diverged: tuple[World, Till],
) -> None:
    world, till = diverged
    b = signed_in(world, "fin")
    alert = alert_id(world)
    assert act(b, alert, "correct_next_tap") == 303
    assert world.balance(CARD) == 90_000  # the ledger is right: nothing posts
    [update] = expect(world.get(f"/v1/instruments/{CARD}/card-updates"))["updates"]
    assert (update["amount"], update["reason"], update["state"]) == (-50_000, "correction",
                                                                     "pending")  # fmt: skip
    assert "Waiting for the card&#39;s next tap" in alerts_row(b)
    with world.ledger.db.read() as uow:
        found = reconciliation.standing(uow, CARD)
        assert found is not None and found.difference == 0  # counting the queued update
    assert act(b, alert, "correct_next_tap") == 422  # not queued twice
    write = till.do("card_update", CARD, 50_000, ref=update["id"],
                    card=evidence(3, 140_000, 90_000))  # fmt: skip
    assert write.code == "ok"
    assert "Written to the card" in alerts_row(b)
    with world.ledger.db.read() as uow:
        assert uow.finance.shadows(None, 10) == []


def test_a_store_scoped_finance_cannot_act_on_another_stores_card(
    diverged: tuple[World, Till],
) -> None:
    world, _ = diverged
    b = signed_in(world, "fin2")
    alert = alert_id(world)
    assert 'id="alerts"' in b.get(PAGE).text and CARD not in alerts_row(b)
    assert act(b, alert, "write_off", "not mine") == 403
    assert act(b, alert, "correct_next_tap") == 403
    assert world.balance(CARD) == 90_000
    assert expect(world.get(f"/v1/instruments/{CARD}/card-updates"))["updates"] == []
