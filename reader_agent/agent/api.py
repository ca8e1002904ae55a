"""The agent's local HTTP API for the terminal front-ends (counter, kiosk, gate), on loopback.

Every card operation waits for a tap (up to `timeout_s`), settles that card's torn operations,
then acts, and answers with the result (`code`: ok, exists, a ledger refusal, an offline-limit
refusal, card_removed ...). Reader problems are HTTP errors with a stable `error` code:
no_card (408), reader_busy (409), reader_unavailable (503: pcscd down, no reader attached).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from cardsvc.protocol.limits import AMOUNT_MAX
from cardsvc.protocol.messages import Id
from reader_agent.agent.agent import Agent
from reader_agent.agent.outbox import State
from reader_agent.agent.station import StationBusy
from reader_agent.agent.sync import LedgerUnavailable
from reader_agent.agent.wiring import AgentRuntime
from reader_agent.cards.member import MemberCardError
from reader_agent.drivers.errors import ReaderError, ReaderTimeoutError, ReaderUnavailableError

Amount = Annotated[int, Field(ge=1, le=AMOUNT_MAX, strict=True, description="whole đồng")]
Timeout = Annotated[float, Field(gt=0, le=300, description="seconds to wait for the tap")]


class TapRequest(BaseModel):
    timeout_s: Timeout = 15.0


class RedeemRequest(TapRequest):
    amount: Amount
    request_id: Id | None = Field(None, description="the sale's id: a retry never charges twice")


class TopUpRequest(RedeemRequest):
    funding: Literal["cash", "promotion"] = "cash"


class RefundRequest(RedeemRequest):
    ref: Id = Field(description="the redemption's transaction id")


class IssueRequest(TapRequest):
    program: Id
    amount: Annotated[int, Field(ge=0, le=AMOUNT_MAX, strict=True)] = 0
    funding: Literal["cash", "promotion"] = "cash"
    request_id: Id | None = None


class ShiftRequest(BaseModel):
    staff: str = Field(min_length=1, max_length=64)


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


def create_api(runtime: AgentRuntime) -> FastAPI:
    app = FastAPI(title="reader-agent", version="1")
    _install_errors(app)
    _status_routes(app, runtime)
    _card_routes(app, runtime.agent)
    return app


def _install_errors(app: FastAPI) -> None:
    """Reader and card problems as HTTP errors with a stable `error` code."""

    @app.exception_handler(ReaderError)
    def reader_error(request: Request, exc: ReaderError) -> JSONResponse:
        if isinstance(exc, ReaderTimeoutError):
            return _error(408, "no_card", "no card was presented in time")
        if isinstance(exc, ReaderUnavailableError):
            return _error(503, "reader_unavailable", str(exc))
        return _error(409, "card_error", f"{type(exc).__name__}: {exc}")

    @app.exception_handler(StationBusy)
    def busy(request: Request, exc: StationBusy) -> JSONResponse:
        return _error(409, "reader_busy", str(exc))

    @app.exception_handler(MemberCardError)
    def unknown_card(request: Request, exc: MemberCardError) -> JSONResponse:
        return _error(422, "unknown_card", f"this card is not one the agent knows: {exc}")

    @app.exception_handler(ValueError)
    def bad_value(request: Request, exc: ValueError) -> JSONResponse:
        return _error(422, "invalid", str(exc))


def _status_routes(app: FastAPI, runtime: AgentRuntime) -> None:
    """Health, readers, the offline queue and sync, shifts."""

    @app.get("/v1/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "terminal": runtime.identity.terminal_id,
                "ledger_reachable": runtime.syncer.reachable()}  # fmt: skip

    @app.get("/v1/readers")
    def readers() -> dict[str, Any]:
        try:
            found = [r.__dict__ for r in runtime.station.list_readers()]
        except ReaderUnavailableError as exc:
            return {"readers": [], "using": None, "error": str(exc)}
        return {"readers": found, "using": runtime.station.reader_name(),
                "error": runtime.station.last_error or None}  # fmt: skip

    @app.get("/v1/queue")
    def queue() -> dict[str, Any]:
        return queue_status(runtime)

    @app.post("/v1/sync")
    def sync_now() -> dict[str, Any]:
        try:
            runtime.loop.round()
        except LedgerUnavailable as exc:
            return {**queue_status(runtime), "synced": False, "detail": str(exc)}
        return {**queue_status(runtime), "synced": True}

    @app.post("/v1/shift")
    def open_shift(body: ShiftRequest) -> dict[str, Any]:
        return runtime.shifts.open(body.staff).__dict__

    @app.get("/v1/shift")
    def current_shift() -> dict[str, Any]:
        shift = runtime.shifts.ensure()
        return {**shift.__dict__, "offline_spent": runtime.outbox.offline_spent(shift_id=shift.id)}


def _card_routes(app: FastAPI, agent: Agent) -> None:
    """Each waits for a tap, settles the card's torn operations, acts, answers the result."""

    @app.post("/v1/tap")
    def tap(body: TapRequest) -> dict[str, Any]:
        return agent.tap(body.timeout_s).to_json()

    @app.post("/v1/redeem")
    def redeem(body: RedeemRequest) -> dict[str, Any]:
        return agent.redeem(body.amount, body.timeout_s, body.request_id).to_json()

    @app.post("/v1/top-up")
    def top_up(body: TopUpRequest) -> dict[str, Any]:
        return agent.top_up(body.amount, body.timeout_s, body.funding, body.request_id).to_json()

    @app.post("/v1/refund")
    def refund(body: RefundRequest) -> dict[str, Any]:
        return agent.refund(body.ref, body.amount, body.timeout_s, body.request_id).to_json()

    @app.post("/v1/issue")
    def issue(body: IssueRequest) -> dict[str, Any]:
        result = agent.issue(body.program, body.amount, body.timeout_s, body.funding,
                             body.request_id)  # fmt: skip
        return result.to_json()

    @app.get("/v1/results/{tx_id}", response_model=None)
    def result(tx_id: str) -> dict[str, Any] | JSONResponse:
        found = agent.result(tx_id)
        if found is None:
            return _error(404, "not_found", f"no transaction {tx_id} on this terminal")
        return found.to_json()


def queue_status(runtime: AgentRuntime) -> dict[str, Any]:
    outbox, status = runtime.outbox, runtime.syncer.status
    return {
        "ready": outbox.count(State.READY),
        "on_card": outbox.count(State.CARD),
        "unresolved": outbox.count(State.UNRESOLVED),
        "oldest_unsent_at": outbox.oldest_unsent_at(),
        "offline_unsynced": outbox.offline_spent(unsynced=True),
        "ledger_reachable": runtime.syncer.reachable(),
        "last_error": status.last_error or None,
        "hotlist_size": runtime.hotlist.size(),
        "hotlist_fetched_at": runtime.hotlist.fetched_at(),
    }
