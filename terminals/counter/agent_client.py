"""The reader agent's local API, as the counter uses it (httpx, loopback).

Paths and answer models are reader_agent.contract's, the ones the agent serves. Answers are
parsed into them here, so the screens never touch raw JSON; every failure
to get an answer is an AgentError with a stable `code`: the agent's own error codes (no_card,
reader_busy, reader_unavailable, card_error, unknown_card, invalid, not_found) or the
counter's (agent_unreachable, agent_timeout, agent_error).
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import ValidationError

from reader_agent import contract as c


class AgentError(Exception):
    def __init__(self, code: str, detail: str = "", status: int | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail, self.status = code, detail, status


A = TypeVar("A", bound=c.Answer)


def _error_of(response: httpx.Response) -> AgentError:
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        # an ErrorAnswer; its code is kept even when this counter does not know it (newer agent)
        return AgentError(body["error"], str(body.get("detail") or ""), status)
    if status == c.REQUEST_REFUSED_STATUS and isinstance(body, dict) and isinstance(
        body.get("detail"), list
    ):  # fmt: skip
        # FastAPI's request validation: the counter sent something the agent refuses
        problems = "; ".join(str(p.get("msg", p)) for p in body["detail"] if isinstance(p, dict))
        return AgentError(c.ErrorCode.INVALID.value, problems, status)
    return AgentError("agent_error", f"HTTP {status}", status)


class AgentClient:
    def __init__(
        self, http: httpx.Client, *, tap_timeout_s: float, margin_s: float, status_timeout_s: float
    ) -> None:
        self.http, self.tap_timeout_s = http, tap_timeout_s
        self._op_timeout = httpx.Timeout(tap_timeout_s + margin_s, connect=status_timeout_s)
        self._status_timeout = httpx.Timeout(status_timeout_s)

    def _call(self, method: str, path: str, body: dict[str, Any] | None, timeout: httpx.Timeout
              ) -> Any:  # fmt: skip
        try:
            response = self.http.request(method, path, json=body, timeout=timeout)
        except httpx.ConnectTimeout as exc:
            raise AgentError("agent_unreachable", str(exc) or "connect timeout") from exc
        except httpx.TimeoutException as exc:
            raise AgentError("agent_timeout", str(exc) or "read timeout") from exc
        except httpx.TransportError as exc:
            raise AgentError("agent_unreachable", str(exc) or type(exc).__name__) from exc
        if response.status_code != 200:
            raise _error_of(response)
        try:
            return response.json()
        except ValueError as exc:
            raise AgentError("agent_error", "the agent's answer is not JSON") from exc

    @staticmethod
    def _parse(model: type[A], data: Any) -> A:
        try:
            # tolerant of fields a newer agent adds; the contract forbids them to the agent
            return model.model_validate(data, extra="ignore")
        except ValidationError as exc:
            problems = f"unexpected answer: {exc.error_count()} problems"
            raise AgentError("agent_error", problems) from exc

    def _ask(self, route: c.Route[A], body: dict[str, Any] | None = None,
             timeout: httpx.Timeout | None = None, **params: str) -> A:  # fmt: skip
        path, timeout = route.url(**params), timeout or self._status_timeout
        return self._parse(route.answer, self._call(route.method, path, body, timeout))

    # --- status ------------------------------------------------------------------------------
    def health(self) -> c.Health:
        return self._ask(c.HEALTH)

    def readers(self) -> c.Readers:
        return self._ask(c.READERS)

    def queue(self) -> c.QueueStatus:
        return self._ask(c.QUEUE)

    def shift(self) -> c.CurrentShift:
        return self._ask(c.SHIFT)

    def open_shift(self, staff: str, pin: str, opening_float: int = 0) -> c.Shift:
        body = {"staff": staff, "pin": pin, "opening_float": opening_float}
        return self._ask(c.OPEN_SHIFT, body)

    def close_shift(self, staff: str, pin: str, counted_cash: int | None = None) -> c.ShiftReport:
        body = {"staff": staff, "pin": pin, "counted_cash": counted_cash}
        return self._ask(c.CLOSE_SHIFT, body)

    def shift_report(self) -> c.ShiftReport:
        return self._ask(c.SHIFT_REPORT)

    def staff(self) -> c.StaffList:
        return self._ask(c.STAFF)

    # --- the ledger, through the agent --------------------------------------------------------
    def programs(self) -> c.CardPrograms:
        return self._ask(c.PROGRAMS)

    def quote(self, code: str, purchase_amount: int, amount: int | None = None) -> c.CodeQuote:
        body = {"code": code, "purchase_amount": purchase_amount, "amount": amount}
        return self._ask(c.QUOTE_CODE, body, self._op_timeout)

    def redeem_code(self, code: str, purchase_amount: int, amount: int, request_id: str
                    ) -> c.OperationResult:  # fmt: skip
        body = {"code": code, "purchase_amount": purchase_amount, "amount": amount,
                "request_id": request_id}  # fmt: skip
        return self._ask(c.REDEEM_CODE, body, self._op_timeout)

    def sell_code(self, code: str, request_id: str) -> c.OperationResult:
        return self._ask(c.SELL_CODE, {"code": code, "request_id": request_id}, self._op_timeout)

    def void(self, ref: str, request_id: str) -> c.OperationResult:
        return self._ask(c.VOID, {"ref": ref, "request_id": request_id}, self._op_timeout)

    # --- receipts ----------------------------------------------------------------------------
    def receipts(self, **criteria: str | int | None) -> c.ReceiptList:
        query = urlencode({k: v for k, v in criteria.items() if v not in (None, "")})
        path = c.RECEIPTS.path + (f"?{query}" if query else "")
        return self._parse(c.ReceiptList, self._call("GET", path, None, self._status_timeout))

    def receipt(self, tx_id: str) -> c.Receipt:
        return self._ask(c.RECEIPT, tx_id=tx_id)

    # --- the card ----------------------------------------------------------------------------
    def tap(self) -> c.CardAnswer:
        body = {"timeout_s": self.tap_timeout_s}
        return self._ask(c.TAP, body, self._op_timeout)

    def operate(self, op: c.Op, fields: dict[str, Any]) -> c.OperationResult:
        """issue / top_up / redeem / refund; `fields`: amount, request_id, program, ref (the
        agent checks them against the operation's request model)."""
        body = {"timeout_s": self.tap_timeout_s, **fields}
        return self._ask(c.OPERATIONS[op], body, self._op_timeout)

    def purchase(self, fields: dict[str, Any]) -> c.OperationResult:
        """A sale for a member: amount, points, excluded, tenders, request_id."""
        return self._ask(c.PURCHASE, {"timeout_s": self.tap_timeout_s, **fields},
                         self._op_timeout)  # fmt: skip

    def adjust_points(self, fields: dict[str, Any]) -> c.OperationResult:
        """op (award / deduct), points, reason, request_id."""
        return self._ask(c.ADJUST_POINTS, {"timeout_s": self.tap_timeout_s, **fields},
                         self._op_timeout)  # fmt: skip

    def reward(self, fields: dict[str, Any]) -> c.OperationResult:
        """A catalog reward bought with points: item, campaign, points, request_id."""
        return self._ask(c.REWARD, {"timeout_s": self.tap_timeout_s, **fields},
                         self._op_timeout)  # fmt: skip

    def result(self, tx_id: str) -> c.OperationResult:
        return self._ask(c.RESULT, tx_id=tx_id)

    # --- card media (a lost, stolen or damaged card replaced) --------------------------------
    def card(self, uid: str) -> c.CardRecord:
        return self._ask(c.CARD, uid=uid)

    def replace(self, fields: dict[str, Any]) -> c.ReplaceAnswer:
        """`fields`: old_uid, reason, request_id, reading (the new card is tapped now)."""
        body = {"timeout_s": self.tap_timeout_s, **fields}
        return self._ask(c.REPLACE, body, self._op_timeout)

    # --- customers (answered by the ledger through the agent) ---------------------------------
    def find_customer(self, phone: str) -> c.CustomerAnswer:
        return self._ask(c.CUSTOMER_LOOKUP, {"phone": phone}, self._op_timeout)

    def sign_up_customer(self, fields: dict[str, Any]) -> c.CustomerAnswer:
        """`fields`: phone, name, birth_day, birth_month, birth_year, lang, consent,
        referral_code (the agent checks them against its request model)."""
        return self._ask(c.CUSTOMER_SIGN_UP, fields, self._op_timeout)
