"""The agent's local API is reader_agent.contract: it serves exactly the contract's routes with
the contract's models (so its OpenAPI is typed), every answer it gives round-trips through the
contract's models, and an answer the contract does not describe is refused, not sent."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import ValidationError

from reader_agent import contract as c
from reader_agent.agent.api import AnswerOutsideContract, create_api
from reader_agent.agent.results import TapResult
from reader_agent.agent.staff import StaffBook
from reader_agent.agent.wiring import AgentRuntime
from reader_agent.drivers.virtual import VirtualReader
from tests.reader_agent.contract_check import ContractWatch, check_answer

from .conftest import Chain, blank_card

WAIT = 2.0


def routes_only() -> FastAPI:
    """The agent's app for looking at its routes: no endpoint is called."""
    return create_api(SimpleNamespace(agent=None))  # type: ignore[arg-type]


def served(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    return {(method, r.path): r for r in app.routes if isinstance(r, APIRoute)
            for method in r.methods}  # fmt: skip


def test_the_agent_serves_exactly_the_contract_routes() -> None:
    routes = served(routes_only())
    assert set(routes) == {(route.method, route.path) for route in c.ROUTES}
    for route in c.ROUTES:
        endpoint = routes[(route.method, route.path)]
        assert endpoint.response_model is route.answer, route.path
        bodies = [p.field_info.annotation for p in endpoint.dependant.body_params]
        assert bodies == ([route.request] if route.request else []), route.path


def test_the_openapi_names_every_answer_and_error() -> None:
    spec = routes_only().openapi()
    for route in c.ROUTES:
        responses = spec["paths"][route.path][route.method.lower()]["responses"]
        ok = responses["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{route.answer.__name__}"}, route.path
        for code in route.errors:
            error = responses[str(c.ERROR_STATUS[code])]["content"]["application/json"]
            assert error["schema"] == {"$ref": "#/components/schemas/ErrorAnswer"}
            assert code.value in responses[str(c.ERROR_STATUS[code])]["description"]
    health = spec["components"]["schemas"]["Health"]
    assert health["additionalProperties"] is False
    assert set(health["required"]) == set(c.Health.model_fields)


@pytest.fixture
def api(runtime: AgentRuntime) -> Iterator[tuple[TestClient, ContractWatch]]:
    watch = ContractWatch()
    client = TestClient(create_api(runtime))
    client.event_hooks = watch.hooks()
    yield client, watch


def post(client: TestClient, path: str, body: dict[str, Any], status: int = 200) -> Any:
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_every_answer_of_every_route_is_the_contracts(
    api: tuple[TestClient, ContractWatch], virtual_reader: VirtualReader, chain: Chain,
    runtime: AgentRuntime,
) -> None:  # fmt: skip
    client, watch = api
    StaffBook(runtime.db, runtime.agent.clock).add("NV01", "Lan", "1234")
    assert client.get(c.HEALTH.path).json()["ok"] is True
    client.get(c.READERS.path)
    assert client.get(c.STAFF.path).json()["staff"] == [{"id": "NV01", "name": "Lan"}]
    assert post(client, c.OPEN_SHIFT.path, {"staff": "NV01", "pin": "9999"}, 403)["error"] == (
        "wrong_pin")  # fmt: skip
    assert post(client, c.OPEN_SHIFT.path, {"staff": "NV01", "pin": "1234"})["staff"] == "Lan"
    assert client.get(c.PROGRAMS.path).json()["programs"][0]["id"] == "PREPAID"
    assert client.get(c.SHIFT.path).json()["offline_spent"] == 0
    assert post(client, c.TAP.path, {"timeout_s": WAIT})["kind"] == "blank"
    issued = post(client, c.ISSUE.path, {"timeout_s": WAIT, "program": "PREPAID",
                                         "amount": 200_000})  # fmt: skip
    assert issued["code"] == "ok"
    post(client, c.TOP_UP.path, {"timeout_s": WAIT, "amount": 50_000, "funding": "cash"})
    sale = post(client, c.REDEEM.path, {"timeout_s": WAIT, "amount": 30_000, "request_id": "s-1"})
    post(client, c.REFUND.path, {"timeout_s": WAIT, "amount": 10_000, "ref": sale["tx_id"]})
    view = post(client, c.TAP.path, {"timeout_s": WAIT})
    assert (view["kind"], view["agree"]) == ("purse", True)
    assert client.get(c.RESULT.url(tx_id=sale["tx_id"])).json()["code"] == "ok"
    assert client.get(c.RESULT.url(tx_id="tx-none")).status_code == 404
    assert client.get(c.QUEUE.path).json()["ready"] == 0
    assert post(client, c.SYNC.path, {})["synced"] is True
    receipts = client.get(c.RECEIPTS.path, params={"instrument": view["instrument"]}).json()
    assert [r["op"] for r in receipts["receipts"]] == ["refund", "redeem", "top_up", "issue"]
    assert client.get(c.RECEIPT.url(tx_id=sale["tx_id"])).json()["staff"] == "Lan"
    assert client.get(c.RECEIPT.url(tx_id="tx-none")).status_code == 404
    assert post(client, c.VOID.path, {"ref": sale["tx_id"]})["code"] == "void_needs_card"
    # the ledger has no QR key here: codes are refused as the ledger's failure, in words
    quote = {"code": "7KQH-M2XC-9RTB-W4NA-P", "purchase_amount": 100_000}
    assert post(client, c.QUOTE_CODE.path, quote, 503)["error"] == "ledger_unavailable"
    redeem = {**quote, "amount": 10_000, "request_id": "code-1"}
    assert post(client, c.REDEEM_CODE.path, redeem, 503)["error"] == "ledger_unavailable"
    sell = {"code": "7KQH-M2XC-9RTB-W4NA-P", "request_id": "gift-1"}
    assert post(client, c.SELL_CODE.path, sell, 503)["error"] == "ledger_unavailable"
    report = client.get(c.SHIFT_REPORT.path).json()
    assert report["cash_taken"] == 250_000 and report["staff"] == "Lan"
    closed = post(client, c.CLOSE_SHIFT.path, {"staff": "NV01", "pin": "1234"})
    assert closed["closed_at"] is not None and closed["shift_id"] == report["shift_id"]
    # gates and kiosks (this ledger has no QR keys: no kit, the ledger judges cards)
    assert post(client, c.ADMIT.path, {"payload": "CS1:X"})["code"] == "no_keyset"
    assert post(client, c.ADMIT_TAP.path, {"timeout_s": WAIT})["source"] == "card"
    assert client.get(c.GATE.path + "?since=0").json()["refused"] >= 1
    assert post(client, c.LOOK.path, {"payload": "CS1:X"})["code"] == "no_keyset"
    assert post(client, c.LOOK_TAP.path, {"timeout_s": WAIT})["card_kind"] == "purse"
    # loyalty: the purse card is no member card of a program with points rules
    purchase = {"timeout_s": WAIT, "amount": 100_000, "request_id": "buy-1"}
    assert post(client, c.PURCHASE.path, purchase)["code"] == "invalid_operation"
    adjust = {"timeout_s": WAIT, "op": "award", "points": 10, "reason": "goodwill"}
    assert post(client, c.ADJUST_POINTS.path, adjust)["code"] == "invalid_operation"
    reward = {"timeout_s": WAIT, "item": "coffee", "campaign": "PREPAID", "points": 100}
    bought = post(client, c.REWARD.path, reward)
    assert (bought["code"], bought["voucher"]) == ("invalid_operation", None)
    # card media: a card by its number, then replaced by a new card tapped now
    uid = view["uid"]
    assert client.get(c.CARD.url(uid=uid)).json()["state"] == "active"
    assert client.get(c.CARD.url(uid="zz")).json()["error"] == "invalid"
    virtual_reader.insert(blank_card(bytes.fromhex("04B7C8D9E0F182")))
    replaced = post(client, c.REPLACE.path, {"timeout_s": WAIT, "old_uid": uid,
                                             "reason": "lost", "request_id": "rp-1"})  # fmt: skip
    assert (replaced["state"], replaced["old_uid"]) == ("holding", uid)
    post(client, c.REPLACE.path, {"timeout_s": WAIT, "old_uid": uid, "reason": "lost",
                                  "request_id": "rp-2"}, status=409)  # fmt: skip
    # customers: forwarded to the ledger (a refusal is an answer with the ledger's code)
    assert post(client, c.CUSTOMER_LOOKUP.path, {"phone": "0909421800"})["code"] == (
        "customer_unknown")
    made = post(client, c.CUSTOMER_SIGN_UP.path, {"phone": "0909 421 800", "name": "Lan",
                                                  "birth_day": 14, "birth_month": 3})
    assert made["ok"] and made["customer"]["phone"] == "090****800"
    assert post(client, c.CUSTOMER_LOOKUP.path, {"phone": "+84909421800"})["ok"] is True
    post(client, c.ADMIT.path, {"payload": ""}, status=422)
    post(client, c.REDEEM.path, {"amount": 1.5}, status=422)  # FastAPI's own refusal
    virtual_reader.remove()
    assert post(client, c.TAP.path, {"timeout_s": 0.2}, status=408)["error"] == "no_card"
    chain.server.stop()
    assert post(client, c.SYNC.path, {})["synced"] in (True, False)
    down = post(client, c.CUSTOMER_LOOKUP.path, {"phone": "0909421800"}, status=503)
    assert down["error"] == "ledger_unavailable"
    assert watch.seen == {f"{route.method} {route.path}" for route in c.ROUTES}
    watch.assert_clean()


def test_an_answer_the_contract_does_not_describe_is_refused(
    api: tuple[TestClient, ContractWatch], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = api
    described = TapResult.to_json
    monkeypatch.setattr(TapResult, "to_json", lambda self: {**described(self), "surprise": 1})
    with pytest.raises(AnswerOutsideContract, match="surprise"):
        client.post(c.REDEEM.path, json={"timeout_s": WAIT, "amount": 1_000})


GOOD = c.Health(ok=True, terminal="T", ledger_reachable=True).model_dump(mode="json")


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [("GET", "/v1/health", 200, {**GOOD, "surprise": 1}),  # a field not described
     ("GET", "/v1/health", 200, {"ok": True, "terminal": "T"}),  # a field left out
     ("GET", "/v1/health", 200, {**GOOD, "ok": "true"}),  # a value coerced
     ("GET", "/v1/nowhere", 200, GOOD),  # not a route
     ("POST", "/v1/tap", 404, {"error": "no_card", "detail": ""}),  # the wrong status
     ("GET", "/v1/health", 408, {"error": "no_card", "detail": ""}),  # an undeclared error
     ("POST", "/v1/tap", 408, {"error": "no_such_code", "detail": ""})],
)  # fmt: skip
def test_the_check_fails_on_what_the_contract_does_not_say(
    method: str, path: str, status: int, body: Any
) -> None:
    with pytest.raises((AssertionError, ValidationError)):
        check_answer(method, path, status, body)
    check_answer("GET", "/v1/health", 200, GOOD)  # and passes what it does
