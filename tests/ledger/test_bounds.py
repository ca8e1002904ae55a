"""Every integer is bounded where it enters, by the bounds the schema keeps: values at the edge
are accepted and stored on both engines; values past it are refused with a 422 that says which
field and what is allowed, and nothing is stored."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from cardsvc.commands.args import int_in, last_day, start_time
from cardsvc.core.bounds import (
    BALANCE,
    EPOCH,
    POSITIVE_DURATION,
    USES,
    Bound,
)
from cardsvc.customers.settings import CustomerSettings
from cardsvc.settings import Settings
from cardsvc.vouchers.settings import VoucherSettings
from tests.ledger.test_openapi import _within_a_bound
from tests.ledger.world import Till, World, expect


def _program(**terms: Any) -> dict[str, Any]:
    return {"id": "EDGE", "name": "Biên", "kind": "voucher", "unit": "VND", "partial": False,
            "max_balance": 50_000, **terms}  # fmt: skip


def test_terms_at_the_edges_are_stored_and_issued_on(world: World, till: Till) -> None:
    terms = {"valid_from": 0, "valid_until": EPOCH.hi, "uses": USES.hi}
    expect(world.post("/v1/programs", _program(**terms)), 201)
    assert till.do("issue", "V1", 50_000, program="EDGE").code == "ok"
    view = world.view("V1")
    assert (view["valid_until"], view["uses_left"]) == (EPOCH.hi, USES.hi)
    longest = {"id": "LONG", "name": "Dài", "kind": "gift", "unit": "VND",
               "max_balance": BALANCE.hi, "validity_s": POSITIVE_DURATION.hi}  # fmt: skip
    expect(world.post("/v1/programs", longest), 201)
    assert till.do("issue", "G1", 1_000, program="LONG").code == "ok"
    assert world.view("G1")["valid_until"] == world.clock() + POSITIVE_DURATION.hi


@pytest.mark.parametrize(
    ("field", "value"),
    [("valid_until", 2**63), ("valid_from", 10**30), ("uses", 3_000_000_000),
     ("validity_s", 10**30), ("discount_cap", -1), ("uses", 0), ("max_balance", True)],
)  # fmt: skip
def test_terms_past_the_edges_are_refused_in_words(world: World, field: str, value: Any) -> None:
    before = expect(world.get("/v1/programs"))
    refused = expect(world.post("/v1/programs", _program(**{field: value})), 422)
    assert refused["error"] == "malformed_request" and field in refused["detail"]
    assert expect(world.get("/v1/programs")) == before


@pytest.mark.parametrize(
    "path",
    ["/v1/reports/clearing?start=0&end=1000000000000000000000000000000",
     "/v1/reports/clearing?start=-1&end=10",
     "/v1/reports/offline-conflicts?since=1000000000000000000000000000000",
     "/v1/instruments/C1/history?limit=1000000000000000000000000000000",
     "/v1/reports/card-alerts?limit=0"],
)  # fmt: skip
def test_query_integers_past_their_bound_are_refused(world: World, path: str) -> None:
    refused = expect(world.get(path), 422)
    assert refused["error"] == "malformed_request"
    assert "less than" in refused["detail"] or "greater than" in refused["detail"]


def test_a_campaign_past_the_bounds_is_refused(world: World) -> None:
    body = {"id": "G", "name": "Quà", "kind": "gift", "face_value": 100_000,
            "validity_s": 10**30}  # fmt: skip
    refused = expect(world.post("/v1/campaigns", body), 422)
    assert "validity_s" in refused["detail"]


@pytest.mark.parametrize("model", [Settings, VoucherSettings, CustomerSettings])
def test_every_integer_setting_is_bounded(model: type[BaseModel]) -> None:
    """Settings are input too: each integer has both limits, inside one of the ledger's
    bounds (the one it names, x-bound, when it names one)."""
    properties = model.model_json_schema()["properties"]
    integers = {name: p for name, p in properties.items() if p.get("type") == "integer"}
    assert integers, "no integer settings found"
    for name, schema in integers.items():
        assert _within_a_bound(schema), f"{model.__name__}.{name} is not bounded: {schema}"


def test_an_out_of_range_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDSVC_PORT", "70000")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.setenv("CARDSVC_PORT", "8081")
    assert Settings().port == 8081  # text from the environment is parsed


def test_command_line_numbers_are_bounded_in_words() -> None:
    uses = int_in(USES)
    assert uses("1_000") == 1000
    for text, said in (("3000000000", "out of range: from 1 to 1,000,000"),
                       ("abc", "not a whole number"), ("-5", "out of range")):  # fmt: skip
        with pytest.raises(argparse.ArgumentTypeError, match=said):
            uses(text)


def test_command_line_dates_are_inclusive_local_days() -> None:
    # 28 Feb 2027 in Vietnam (UTC+7): valid from its first second to the last.
    first = start_time("2027-02-28")
    end = last_day("2027-02-28")
    assert end - first == 86_400
    assert first == 1_803_747_600  # 2027-02-27T17:00:00Z
    with pytest.raises(argparse.ArgumentTypeError, match="not a date"):
        last_day("28/02/2027")
    with pytest.raises(argparse.ArgumentTypeError, match="out of range"):
        last_day("2200-01-01")


def test_bounds_say_what_is_allowed() -> None:
    bound = Bound("x", 1, 10, "things")
    assert bound.problem(5) is None
    assert bound.problem(11, "count") == "count must be a whole number from 1 to 10 (things)"
    assert bound.problem(True) is not None  # a bool is not a number
