"""After a tap, the counter offers only what the ledger would accept: a top-up for a prepaid
card, none for a gift card whose program takes none or for a points card (points are never
sold for cash)."""

from __future__ import annotations

from typing import Any

import pytest

from reader_agent.contract import CardAnswer
from terminals.counter.card_view import card_view

LEDGER = {"id": "card-04A1", "program": "P", "kind": "prepaid", "unit": "VND",
          "balance": 150_000, "status": "active", "reloadable": True}  # fmt: skip


@pytest.mark.parametrize(("changes", "offered"), [
    ({}, True),
    ({"kind": "gift", "program": "GIFT", "reloadable": False}, False),
    ({"kind": "gift", "program": "GIFT-R", "reloadable": True}, True),
    ({"kind": "member", "unit": "PTS", "reloadable": True}, False),
    ({"reloadable": None}, True),  # an older ledger's view: the ledger decides
])  # fmt: skip
def test_a_top_up_is_offered_only_when_the_ledger_would_take_it(
    changes: dict[str, Any], offered: bool
) -> None:
    answer = CardAnswer(kind="purse", uid="04A1", instrument="card-04A1", card_value=150_000,
                        ledger={**LEDGER, **changes})  # fmt: skip
    view = card_view("vi", answer, 7)
    assert view.issued and view.takes_top_ups is offered


def test_an_unknown_card_is_offered_no_top_up() -> None:
    answer = CardAnswer(kind="blank", uid="04A1", instrument="card-04A1",
                        ledger={"error": "not_found", "detail": "no instrument"})  # fmt: skip
    view = card_view("en", answer, 7)
    assert not view.issued and not view.takes_top_ups
