"""The agent client against a fake agent: answers parsed, every failure an AgentError code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from terminals.counter.agent_client import AgentClient, AgentError

from .fake_agent import FakeAgent, tap_result


def client_over(handler: Any) -> AgentClient:
    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://agent")
    return AgentClient(http, tap_timeout_s=15.0, margin_s=10.0, status_timeout_s=2.0)


def answering(status: int, **kw: Any) -> AgentClient:
    return client_over(lambda request: httpx.Response(status, **kw))


def raising(exc: type[httpx.TransportError]) -> AgentClient:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    return client_over(handler)


def test_operation_sends_the_sale_and_parses_the_result() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=tap_result("ok", "redeem", amount=50_000))

    answer = client_over(handler).operate("redeem", {"amount": 50_000, "request_id": "sale-1"})
    assert (answer.code, answer.ok, answer.card_value, answer.tx_id) == ("ok", True, 150_000,
                                                                          "tx-1")  # fmt: skip
    request = seen[0]
    assert request.url.path == "/v1/redeem"
    assert request.read() == b'{"timeout_s":15.0,"amount":50000,"request_id":"sale-1"}'
    # the counter waits for the tap and then some: the agent is still at the card and ledger
    assert request.extensions["timeout"]["read"] == 25.0


@pytest.mark.parametrize(
    ("op", "path"),
    [("issue", "/v1/issue"), ("top_up", "/v1/top-up"), ("redeem", "/v1/redeem"),
     ("refund", "/v1/refund")],
)  # fmt: skip
def test_each_operation_goes_to_its_path(op: Any, path: str) -> None:
    fake = FakeAgent()
    fake.answer(path)
    client = AgentClient(fake.http(), tap_timeout_s=1, margin_s=1, status_timeout_s=1)
    assert client.operate(op, {"amount": 10}).op == op
    assert fake.operations(path) == [{"timeout_s": 1, "amount": 10}]


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [(408, {"error": "no_card", "detail": "no card was presented in time"}, "no_card"),
     (409, {"error": "reader_busy", "detail": "busy"}, "reader_busy"),
     (409, {"error": "card_error", "detail": "DesfireError"}, "card_error"),
     (503, {"error": "reader_unavailable", "detail": "pcscd down"}, "reader_unavailable"),
     (422, {"error": "unknown_card", "detail": "?"}, "unknown_card"),
     (422, {"error": "invalid", "detail": "the amount must be positive"}, "invalid"),
     (404, {"error": "not_found", "detail": "no transaction"}, "not_found")],
)  # fmt: skip
def test_agent_errors_keep_their_code(status: int, body: dict[str, str], code: str) -> None:
    with pytest.raises(AgentError) as failed:
        answering(status, json=body).tap()
    assert (failed.value.code, failed.value.status) == (code, status)
    assert failed.value.detail == body["detail"]


def test_request_validation_is_invalid_with_the_reasons() -> None:
    body = {"detail": [{"loc": ["body", "amount"], "msg": "Input should be a valid integer"}]}
    with pytest.raises(AgentError) as failed:
        answering(422, json=body).operate("redeem", {"amount": 1})
    assert failed.value.code == "invalid"
    assert failed.value.detail == "Input should be a valid integer"


@pytest.mark.parametrize(
    ("status", "kw"),
    [(500, {"text": "Internal Server Error"}), (502, {"json": ["not", "an", "error"]}),
     (200, {"text": "<html>not json</html>"}), (200, {"json": {"unexpected": "shape"}}),
     (200, {"json": {"code": "ok", "op": "redeem", "amount": "a lot"}})],
)  # fmt: skip
def test_anything_else_is_an_agent_error(status: int, kw: dict[str, Any]) -> None:
    with pytest.raises(AgentError) as failed:
        answering(status, **kw).operate("redeem", {"amount": 1})
    assert failed.value.code == "agent_error"


@pytest.mark.parametrize(
    ("exc", "code"),
    [(httpx.ConnectError, "agent_unreachable"), (httpx.ConnectTimeout, "agent_unreachable"),
     (httpx.ReadTimeout, "agent_timeout"), (httpx.RemoteProtocolError, "agent_unreachable")],
)  # fmt: skip
def test_transport_failures(exc: type[httpx.TransportError], code: str) -> None:
    with pytest.raises(AgentError) as failed:
        raising(exc).health()
    assert failed.value.code == code


def test_status_answers_are_parsed() -> None:
    fake = FakeAgent()
    fake.queue.update(ready=3, unresolved=1)
    client = AgentClient(fake.http(), tap_timeout_s=1, margin_s=1, status_timeout_s=1)
    assert client.health().terminal == "S1-POS1"
    assert client.readers().readers[0].name == "ACS ACR122U 00 00"
    assert (client.queue().ready, client.queue().unresolved) == (3, 1)
    assert client.open_shift("NV01", "1234").staff == "Lan"
    assert client.shift().staff == "Lan"
    fake.results["tx-9"] = tap_result("pending", "top_up", tx_id="tx-9")
    assert client.result("tx-9").code == "pending"
    with pytest.raises(AgentError) as missing:
        client.result("tx-0")
    assert missing.value.code == "not_found"
