"""The agent's local HTTP API for the terminal front-ends (counter, kiosk, gate), on loopback.

Every card operation waits for a tap (up to `timeout_s`), settles that card's torn operations,
then acts, and answers with the result (`code`: ok, exists, a ledger refusal, an offline-limit
refusal, card_removed ...). Reader problems are HTTP errors with a stable `error` code:
no_card (408), reader_busy (409), reader_unavailable (503: pcscd down, no reader attached).
Paths, requests, answers and error codes are reader_agent.contract's: this module only serves
them, so the OpenAPI the agent publishes is the contract.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from keys.errors import KeyNotFoundError
from reader_agent import contract as c
from reader_agent.agent.agent import Agent
from reader_agent.agent.api_counter import counter_routes
from reader_agent.agent.customers import CustomerDesk
from reader_agent.agent.media import MediaRefused, Replacement
from reader_agent.agent.outbox import State
from reader_agent.agent.points import PointsRequest, points_operation, reward_voucher
from reader_agent.agent.results import TapResult
from reader_agent.agent.station import StationBusy
from reader_agent.agent.sync import LedgerUnavailable
from reader_agent.agent.wiring import AgentRuntime
from reader_agent.cards.member import MemberCardError
from reader_agent.drivers.errors import ReaderError, ReaderTimeoutError, ReaderUnavailableError

F = TypeVar("F", bound=Callable[..., Any])
A = TypeVar("A", bound=c.Answer)


class AnswerOutsideContract(RuntimeError):
    """The agent built an answer its contract does not describe: a bug of the agent (HTTP 500),
    never the caller's `invalid` (pydantic's ValidationError is a ValueError, which is)."""


def _answer(model: type[A], data: Mapping[str, Any]) -> A:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise AnswerOutsideContract(f"{model.__name__}: {exc}") from exc


def _error(code: c.ErrorCode, detail: str) -> JSONResponse:
    body = c.ErrorAnswer(error=code, detail=detail).model_dump(mode="json")
    return JSONResponse(body, status_code=c.ERROR_STATUS[code])


def _serve(app: FastAPI, route: c.Route[Any]) -> Callable[[F], F]:
    """Register the endpoint of a contract route: its path, method, answer model and errors."""
    codes: dict[int, list[str]] = {}
    for code in route.errors:
        codes.setdefault(c.ERROR_STATUS[code], []).append(code.value)
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": c.ErrorAnswer, "description": "error: " + ", ".join(names)}
        for status, names in codes.items()
    }
    if c.REQUEST_REFUSED_STATUS in responses:
        responses[c.REQUEST_REFUSED_STATUS]["description"] += (
            "; or FastAPI's HTTPValidationError (a body the request model refuses)"
        )
    return app.api_route(route.path, methods=[route.method], response_model=route.answer,
                         response_model_exclude_unset=route.omits_unset,
                         responses=responses)  # fmt: skip


def create_api(runtime: AgentRuntime) -> FastAPI:
    app = FastAPI(title="reader-agent", version="1")
    _install_errors(app)
    _status_routes(app, runtime)
    _card_routes(app, runtime.agent)
    _media_routes(app, runtime)

    _gate_routes(app, runtime)
    counter_routes(app, runtime, _serve)  # programs, codes, receipts, staff and shifts
    _customer_routes(app, runtime)
    return app


def _install_errors(app: FastAPI) -> None:
    """Reader and card problems as HTTP errors with a stable `error` code."""

    @app.exception_handler(ReaderError)
    def reader_error(request: Request, exc: ReaderError) -> JSONResponse:
        if isinstance(exc, ReaderTimeoutError):
            return _error(c.ErrorCode.NO_CARD, "no card was presented in time")
        if isinstance(exc, ReaderUnavailableError):
            return _error(c.ErrorCode.READER_UNAVAILABLE, str(exc))
        return _error(c.ErrorCode.CARD_ERROR, f"{type(exc).__name__}: {exc}")

    @app.exception_handler(KeyNotFoundError)
    def card_key_missing(request: Request, exc: KeyNotFoundError) -> JSONResponse:
        """A card key the keystore lacks: named, so the manager knows which to create."""
        found = re.search(r"'([^']+)'|no key (\S+?)/v", str(exc))
        label = (found.group(1) or found.group(2)) if found else str(exc)
        return _error(c.ErrorCode.CARD_KEY_MISSING, label)

    @app.exception_handler(StationBusy)
    def busy(request: Request, exc: StationBusy) -> JSONResponse:
        return _error(c.ErrorCode.READER_BUSY, str(exc))

    @app.exception_handler(MemberCardError)
    def unknown_card(request: Request, exc: MemberCardError) -> JSONResponse:
        return _error(c.ErrorCode.UNKNOWN_CARD, f"this card is not one the agent knows: {exc}")

    @app.exception_handler(ValueError)
    def bad_value(request: Request, exc: ValueError) -> JSONResponse:
        return _error(c.ErrorCode.INVALID, str(exc))


def _status_routes(app: FastAPI, runtime: AgentRuntime) -> None:
    """Health, readers, the offline queue and sync, the current shift."""

    @_serve(app, c.HEALTH)
    def health() -> c.Health:
        return c.Health(ok=True, terminal=runtime.identity.terminal_id,
                        ledger_reachable=runtime.syncer.reachable())  # fmt: skip

    @_serve(app, c.READERS)
    def readers() -> c.Readers:
        try:
            found = [_answer(c.ReaderInfo, r.__dict__) for r in runtime.station.list_readers()]
        except ReaderUnavailableError as exc:
            return c.Readers(readers=[], using=None, error=str(exc))
        return c.Readers(readers=found, using=runtime.station.reader_name(),
                         error=runtime.station.last_error or None)  # fmt: skip

    @_serve(app, c.QUEUE)
    def queue() -> c.QueueStatus:
        return queue_status(runtime)

    @_serve(app, c.SYNC)  # synced: no `detail` (c.SYNC omits unset fields, as it always has)
    def sync_now() -> c.SyncAnswer:
        try:
            runtime.loop.round()
        except LedgerUnavailable as exc:
            status = queue_status(runtime).model_dump()
            return c.SyncAnswer(**status, synced=False, detail=str(exc))
        return c.SyncAnswer(**queue_status(runtime).model_dump(), synced=True)

    @_serve(app, c.SHIFT)
    def current_shift() -> c.CurrentShift:
        shift = runtime.shifts.ensure()
        spent = runtime.outbox.offline_spent(shift_id=shift.id)
        return _answer(c.CurrentShift, {**shift.__dict__, "offline_spent": spent})


def _operation(result: TapResult) -> c.OperationResult:
    return _answer(c.OperationResult, result.to_json())


def _card_routes(app: FastAPI, agent: Agent) -> None:
    """Each waits for a tap, settles the card's torn operations, acts, answers the result."""

    @_serve(app, c.TAP)
    def tap(body: c.TapRequest) -> c.CardAnswer:
        return _answer(c.CardAnswer, agent.tap(body.timeout_s).to_json())

    @_serve(app, c.REDEEM)
    def redeem(body: c.RedeemRequest) -> c.OperationResult:
        return _operation(agent.redeem(body.amount, body.timeout_s, body.request_id))

    @_serve(app, c.TOP_UP)
    def top_up(body: c.TopUpRequest) -> c.OperationResult:
        return _operation(agent.top_up(body.amount, body.timeout_s, body.funding,
                                       body.request_id))  # fmt: skip

    @_serve(app, c.REFUND)
    def refund(body: c.RefundRequest) -> c.OperationResult:
        return _operation(agent.refund(body.ref, body.amount, body.timeout_s, body.request_id))

    @_serve(app, c.ISSUE)
    def issue(body: c.IssueRequest) -> c.OperationResult:
        return _operation(agent.issue(body.program, body.amount, body.timeout_s, body.funding,
                                      body.request_id))  # fmt: skip

    @_serve(app, c.PURCHASE)
    def purchase(body: c.PurchaseRequest) -> c.OperationResult:
        tenders = dict(body.tenders) if body.tenders is not None else None
        req = PointsRequest("purchase", body.points, body.amount, body.excluded, tenders,
                            request_id=body.request_id)  # fmt: skip
        return _operation(points_operation(agent, req, body.timeout_s))

    @_serve(app, c.ADJUST_POINTS)
    def adjust_points(body: c.AdjustPointsRequest) -> c.OperationResult:
        req = PointsRequest(body.op, body.points, reason=body.reason, request_id=body.request_id)
        return _operation(points_operation(agent, req, body.timeout_s))

    @_serve(app, c.REWARD)
    def reward(body: c.RewardRequest) -> c.OperationResult:
        req = PointsRequest("reward", body.points, request_id=body.request_id, item=body.item,
                            campaign=body.campaign)  # fmt: skip
        done = _operation(points_operation(agent, req, body.timeout_s))
        if done.code in ("ok", "exists") and done.tx_id is not None:
            return done.model_copy(update={"voucher": reward_voucher(agent, done.tx_id)})
        return done

    @_serve(app, c.RESULT)
    def result(tx_id: str) -> c.OperationResult | JSONResponse:
        found = agent.result(tx_id)
        if found is None:
            return _error(c.ErrorCode.NOT_FOUND, f"no transaction {tx_id} on this terminal")
        return _operation(found)


def _media_routes(app: FastAPI, runtime: AgentRuntime) -> None:
    """A card by its number, and replacing a lost, stolen or damaged one (needs the ledger)."""

    @app.exception_handler(MediaRefused)
    def media_refused(request: Request, exc: MediaRefused) -> JSONResponse:
        return _error(c.ErrorCode(exc.code), exc.detail)

    @_serve(app, c.CARD)
    def card(uid: str) -> c.CardRecord:
        if not _UID.match(uid):
            raise MediaRefused("invalid", "a card number is 8-20 hex digits")
        return _answer(c.CardRecord, runtime.media.card(uid))

    @_serve(app, c.REPLACE)
    def replace(body: c.ReplaceRequest) -> c.ReplaceAnswer:
        shift = runtime.shifts.ensure()
        reading = body.reading.model_dump() if body.reading else None
        req = Replacement(body.request_id, body.old_uid, body.reason, shift.staff, reading)
        receipt = runtime.media.replace(req, body.timeout_s)
        fields = set(c.ReplaceAnswer.model_fields)
        return _answer(c.ReplaceAnswer, {k: v for k, v in receipt.items() if k in fields})


_UID = re.compile(r"^[0-9A-Fa-f]{8,20}$")

def _gate_routes(app: FastAPI, runtime: AgentRuntime) -> None:
    """Gates and kiosks: admissions, their counters, what a customer's QR or card is."""

    @_serve(app, c.ADMIT)
    def admit(body: c.QrRequest) -> c.Admission:
        return _answer(c.Admission, runtime.gate.admit_qr(body.payload).__dict__)

    @_serve(app, c.ADMIT_TAP)
    def admit_tap(body: c.TapRequest) -> c.Admission:
        instrument = runtime.agent.tap_instrument(body.timeout_s)
        return _answer(c.Admission, runtime.gate.admit_card(instrument).__dict__)

    @_serve(app, c.GATE)
    def gate_status(since: int = Query(0, ge=0, le=2**53)) -> c.GateStatus:
        admitted, refused = runtime.gate.counts(since)
        kit = runtime.kit.status()
        return c.GateStatus(
            terminal=runtime.identity.terminal_id, since=since, admitted=admitted,
            refused=refused, queued=runtime.outbox.count(State.READY),
            ledger_reachable=runtime.syncer.reachable(), keyset_at=kit.fetched_at,
            keyset_signed_by=kit.signed_by, revoked=kit.revoked, trusted_signers=kit.trusted,
        )  # fmt: skip

    @_serve(app, c.LOOK)
    def look(body: c.QrRequest) -> c.Look:
        return _answer(c.Look, runtime.looker.qr(body.payload).to_json())

    @_serve(app, c.LOOK_TAP)
    def look_tap(body: c.TapRequest) -> c.Look:
        view = runtime.agent.tap(body.timeout_s)
        return _answer(c.Look, runtime.looker.card(view).to_json())


def queue_status(runtime: AgentRuntime) -> c.QueueStatus:
    outbox, status = runtime.outbox, runtime.syncer.status
    return c.QueueStatus(
        ready=outbox.count(State.READY),
        on_card=outbox.count(State.CARD),
        unresolved=outbox.count(State.UNRESOLVED),
        oldest_unsent_at=outbox.oldest_unsent_at(),
        offline_unsynced=outbox.offline_spent(unsynced=True),
        ledger_reachable=runtime.syncer.reachable(),
        last_error=status.last_error or None,
        hotlist_size=runtime.hotlist.size(),
        hotlist_fetched_at=runtime.hotlist.fetched_at(),
    )


def _customer_routes(app: FastAPI, runtime: AgentRuntime) -> None:
    """Look-up by phone and sign-up at the counter, answered by the ledger."""

    def desk() -> CustomerDesk:
        return CustomerDesk(runtime.agent.client)

    @_serve(app, c.CUSTOMER_LOOKUP)
    def customer_lookup(body: c.CustomerLookupRequest) -> c.CustomerAnswer | JSONResponse:
        try:
            return _answer(c.CustomerAnswer, desk().lookup(body.phone))
        except LedgerUnavailable as exc:
            return _error(c.ErrorCode.LEDGER_UNAVAILABLE, str(exc))

    @_serve(app, c.CUSTOMER_SIGN_UP)
    def customer_sign_up(body: c.CustomerSignUpRequest) -> c.CustomerAnswer | JSONResponse:
        try:
            return _answer(c.CustomerAnswer, desk().sign_up(body.model_dump(exclude_none=True)))
        except LedgerUnavailable as exc:
            return _error(c.ErrorCode.LEDGER_UNAVAILABLE, str(exc))
