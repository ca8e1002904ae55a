"""The reader agent's local API, as the counter uses it (httpx, loopback).

Answers are parsed into small models here, so the screens never touch raw JSON; every failure
to get an answer is an AgentError with a stable `code`: the agent's own error codes (no_card,
reader_busy, reader_unavailable, card_error, unknown_card, invalid, not_found) or the
counter's (agent_unreachable, agent_timeout, agent_error).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Op = Literal["issue", "top_up", "redeem", "refund"]
AGENT_PATHS: dict[str, str] = {
    "issue": "/v1/issue",
    "top_up": "/v1/top-up",
    "redeem": "/v1/redeem",
    "refund": "/v1/refund",
}


class AgentError(Exception):
    def __init__(self, code: str, detail: str = "", status: int | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail, self.status = code, detail, status


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Health(_Answer):
    ok: bool = False
    terminal: str = ""
    ledger_reachable: bool = False


class ReaderInfo(_Answer):
    name: str
    driver: str = ""
    card_present: bool | None = None


class Readers(_Answer):
    readers: list[ReaderInfo] = Field(default_factory=list)
    using: str | None = None
    error: str | None = None


class Queue(_Answer):
    ready: int = 0
    on_card: int = 0
    unresolved: int = 0
    offline_unsynced: int = 0
    ledger_reachable: bool = False
    last_error: str | None = None


class Shift(_Answer):
    id: int
    staff: str
    opened_at: int
    offline_spent: int = 0


class CardAnswer(_Answer):
    """A tap: the card and, when the ledger answered, its view of the instrument."""

    kind: str  # purse, blank, online
    uid: str
    instrument: str
    card_value: int | None = None
    card_counter: int | None = None
    ledger: dict[str, Any] | None = None
    agree: bool | None = None
    recovered: list[dict[str, Any]] = Field(default_factory=list)


class OperationAnswer(_Answer):
    """What a value operation did (the agent's TapResult)."""

    code: str
    op: str
    mode: str = "local"
    instrument: str | None = None
    uid: str | None = None
    amount: int = 0
    tx_id: str | None = None
    card_value: int | None = None
    card_counter: int | None = None
    ledger_balance: int | None = None
    compensated: bool = False
    detail: str = ""
    ok: bool = False


A = TypeVar("A", bound=_Answer)


def _error_of(response: httpx.Response) -> AgentError:
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return AgentError(body["error"], str(body.get("detail") or ""), status)
    if status == 422 and isinstance(body, dict) and isinstance(body.get("detail"), list):
        # FastAPI's request validation: the counter sent something the agent refuses
        problems = "; ".join(str(p.get("msg", p)) for p in body["detail"] if isinstance(p, dict))
        return AgentError("invalid", problems, status)
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
            return model.model_validate(data)
        except ValidationError as exc:
            problems = f"unexpected answer: {exc.error_count()} problems"
            raise AgentError("agent_error", problems) from exc

    def _get(self, model: type[A], path: str) -> A:
        return self._parse(model, self._call("GET", path, None, self._status_timeout))

    # --- status ------------------------------------------------------------------------------
    def health(self) -> Health:
        return self._get(Health, "/v1/health")

    def readers(self) -> Readers:
        return self._get(Readers, "/v1/readers")

    def queue(self) -> Queue:
        return self._get(Queue, "/v1/queue")

    def shift(self) -> Shift:
        return self._get(Shift, "/v1/shift")

    def open_shift(self, staff: str) -> Shift:
        opened = self._call("POST", "/v1/shift", {"staff": staff}, self._status_timeout)
        return self._parse(Shift, opened)

    # --- the card ----------------------------------------------------------------------------
    def tap(self) -> CardAnswer:
        seen = self._call("POST", "/v1/tap", {"timeout_s": self.tap_timeout_s}, self._op_timeout)
        return self._parse(CardAnswer, seen)

    def operate(self, op: Op, fields: dict[str, Any]) -> OperationAnswer:
        """issue / top_up / redeem / refund; `fields`: amount, request_id, program, ref."""
        body = {"timeout_s": self.tap_timeout_s, **fields}
        done = self._call("POST", AGENT_PATHS[op], body, self._op_timeout)
        return self._parse(OperationAnswer, done)

    def result(self, tx_id: str) -> OperationAnswer:
        return self._get(OperationAnswer, f"/v1/results/{tx_id}")
