"""An in-process fake of the reader agent's local API (httpx.MockTransport) for unit tests:
status endpoints with settable answers, value operations answered by a rule per path, and a
record of every call the counter made. Its answers are built from reader_agent.contract's
models, so the fake cannot drift from what the real agent answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from reader_agent import contract as c

Rule = Callable[[dict[str, Any]], httpx.Response]


def tap_result(code: str = "ok", op: str = "redeem", **fields: Any) -> dict[str, Any]:
    """The agent's TapResult as JSON."""
    result: dict[str, Any] = {
        "code": code, "op": op, "mode": "online", "instrument": "card-04A1B2C3D4E581",
        "uid": "04A1B2C3D4E581", "amount": 50_000, "tx_id": "tx-1", "card_value": 150_000,
        "card_counter": 3, "ledger_balance": 150_000, "compensated": False, "detail": "",
    }  # fmt: skip
    result.update(fields)
    result["ok"] = result["code"] in ("ok", "exists")
    return c.OperationResult.model_validate(result).model_dump(mode="json")


def receipt(**fields: Any) -> dict[str, Any]:
    """A receipt of the fake till, as the agent answers it."""
    made: dict[str, Any] = {
        "tx_id": "tx-1", "number": "S1-POS1-000001", "short": "000001", "terminal": "S1-POS1",
        "store": "S1", "op": "redeem", "instrument": "card-04A1B2C3D4E581", "amount": 50_000,
        "state": "done", "code": "ok", "balance_after": 150_000, "card_value": 150_000,
        "uid": "04A1B2C3D4E581", "at": 1_764_000_600, "shift_id": 1, "staff": "Lan",
    }  # fmt: skip
    made.update(fields)
    return c.Receipt.model_validate(made).model_dump(mode="json")


def quote(code: str = "ok", **fields: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "code": code, "instrument": "V-1", "kind": "voucher", "program": "TET50",
        "name": "Tết 50k", "purchase_amount": 250_000, "amount": 50_000, "to_pay": 200_000,
        "balance": 50_000, "uses_left": 1, "valid_until": 1_800_000_000, "min_spend": 200_000,
    }  # fmt: skip
    made.update(fields)
    return c.CodeQuote.model_validate(made).model_dump(mode="json")


def answer_of(model: c.Answer) -> dict[str, Any]:
    return model.model_dump(mode="json")


def error(status: int, code: str, detail: str = "") -> Rule:
    return lambda body: httpx.Response(status, json={"error": code, "detail": detail})


class FakeAgent:
    def __init__(self) -> None:
        self.health = answer_of(c.Health(ok=True, terminal="S1-POS1", ledger_reachable=True))
        reader = c.ReaderInfo(name="ACS ACR122U 00 00", driver="pcsc", card_present=False)
        self.readers = answer_of(c.Readers(readers=[reader], using=None, error=None))
        self.queue = answer_of(c.QueueStatus(ledger_reachable=True))
        self.shift = answer_of(c.CurrentShift(id=1, staff="agent", opened_at=1_764_000_000))
        self.programs = answer_of(c.CardPrograms(programs=[
            c.CardProgram(id="PREPAID", name="Thẻ trả trước", kind="prepaid", unit="VND",
                          reloadable=True, max_balance=10_000_000),
            c.CardProgram(id="MEMBER", name="Thẻ thành viên", kind="member", unit="PTS",
                          reloadable=True, max_balance=100_000_000),
        ]))  # fmt: skip
        self.staff = answer_of(c.StaffList(staff=[c.StaffEntry(id="NV01", name="Lan"),
                                                  c.StaffEntry(id="NV02", name="Minh")]))
        self.pins = {"NV01": "1234", "NV02": "5678"}
        self.receipts: list[dict[str, Any]] = []
        self.card: dict[str, Any] = {}
        self.rules: dict[str, Rule] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, dict[str, Any] | None]] = []
        self.down = False  # every request fails to connect
        self.busy = False  # every request times out (an agent busy with a card)
        self.rules[c.QUOTE_CODE.path] = lambda body: httpx.Response(200, json=quote())
        self.rules[c.REDEEM_CODE.path] = lambda body: httpx.Response(
            200, json=tap_result(amount=body.get("amount", 0), instrument="V-1", uid=None,
                                 card_value=None, card_counter=None, ledger_balance=0))  # fmt: skip
        self.rules[c.SELL_CODE.path] = lambda body: httpx.Response(
            200, json=tap_result(op="issue", amount=300_000, instrument="G-1", uid=None,
                                 card_value=None, card_counter=None, ledger_balance=300_000))
        self.rules[c.VOID.path] = lambda body: httpx.Response(
            200, json=tap_result(op="void", amount=0, uid=None, card_value=None))  # fmt: skip

    def reply(self, path: str, rule: Rule) -> None:
        self.rules[path] = rule

    def answer(self, path: str, **fields: Any) -> None:
        """Answer the value operation at `path` with a TapResult built from the request."""
        op = next(op for op, route in c.OPERATIONS.items() if route.path == path)

        def rule(body: dict[str, Any]) -> httpx.Response:
            made = {"op": op, "amount": body.get("amount", 0), **fields}
            return httpx.Response(200, json=tap_result(**made))

        self.rules[path] = rule

    def operations(self, path: str) -> list[dict[str, Any]]:
        return [body or {} for method, p, body in self.calls if p == path and method == "POST"]

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.busy:
            raise httpx.ReadTimeout("timed out", request=request)
        path = request.url.path
        body = json.loads(request.content) if request.content else None
        self.calls.append((request.method, path, body))
        if path in self.rules:
            return self.rules[path](body or {})
        if request.method == "GET" and path.startswith("/v1/results/"):
            found = self.results.get(path.rsplit("/", 1)[1])
            if found is None:
                return httpx.Response(404, json={"error": "not_found", "detail": "no such tx"})
            return httpx.Response(200, json=found)
        if request.method == "POST" and path in ("/v1/shift", "/v1/shift/close"):
            return self._shift(path, body or {})
        if request.method == "GET" and path == "/v1/receipts":
            return httpx.Response(200, json={"receipts": self.receipts})
        if request.method == "GET" and path.startswith("/v1/receipts/"):
            tx_id = path.rsplit("/", 1)[1]
            found = [r for r in self.receipts if r["tx_id"] == tx_id]
            if not found:
                return httpx.Response(404, json={"error": "not_found", "detail": tx_id})
            return httpx.Response(200, json=found[0])
        fixed = {"/v1/health": self.health, "/v1/readers": self.readers, "/v1/queue": self.queue,
                 "/v1/shift": self.shift, "/v1/tap": self.card, "/v1/programs": self.programs,
                 "/v1/staff": self.staff, "/v1/shift/report": self.report()}  # fmt: skip
        if path in fixed:
            return httpx.Response(200, json=fixed[path])
        return httpx.Response(404, json={"detail": "Not Found"})

    def report(self) -> dict[str, Any]:
        shift = self.shift
        return answer_of(c.ShiftReport(shift_id=shift["id"], staff=shift["staff"],
                                       opened_at=shift["opened_at"]))  # fmt: skip

    def _shift(self, path: str, body: dict[str, Any]) -> httpx.Response:
        if self.pins.get(body.get("staff", "")) != body.get("pin"):
            return httpx.Response(403, json={"error": "wrong_pin", "detail": "wrong"})
        if path == "/v1/shift/close":
            report = self.report()
            self.shift = answer_of(c.CurrentShift(id=self.shift["id"] + 1, staff="agent",
                                                  opened_at=1_764_007_200))  # fmt: skip
            return httpx.Response(200, json=report)
        name = next(m["name"] for m in self.staff["staff"] if m["id"] == body["staff"])
        opened = c.Shift(id=self.shift["id"] + 1, staff=name, opened_at=1_764_003_600)
        self.shift = answer_of(c.CurrentShift(**opened.model_dump()))
        return httpx.Response(200, json=answer_of(opened))

    def http(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle), base_url="http://agent")
