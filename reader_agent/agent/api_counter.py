"""The local API's counter routes: card programs, codes (quote, redeem, void), receipts, staff
and shifts (open with a PIN, report, close). Paths and shapes are reader_agent.contract's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import cached_property
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

from cardsvc.protocol.counter import QuoteRequest
from reader_agent import contract as c
from reader_agent.agent.agent import Agent
from reader_agent.agent.desk import Desk, LedgerDown
from reader_agent.agent.purse_flows import ValueRequest
from reader_agent.agent.receipts import Receipt, Receipts
from reader_agent.agent.results import TapResult
from reader_agent.agent.staff import SignIn, StaffBook
from reader_agent.agent.wiring import AgentRuntime

_PIN_CODES = {SignIn.WRONG_PIN: c.ErrorCode.WRONG_PIN, SignIn.LOCKED: c.ErrorCode.STAFF_LOCKED}
_PIN_DETAIL = {SignIn.WRONG_PIN: "the staff id or the PIN is wrong",
               SignIn.LOCKED: "too many wrong PINs: wait before trying again"}  # fmt: skip
Text = Annotated[str | None, Query(max_length=64)]
F = TypeVar("F", bound=Callable[..., Any])


class Serve(Protocol):
    """The agent API's registration of a contract route (api._serve)."""

    def __call__(self, app: FastAPI, route: c.Route[Any]) -> Callable[[F], F]: ...


Epoch = Annotated[int | None, Query(ge=0, le=2**40)]


class CounterParts:
    """What the counter routes use, built on first use from the runtime (so the routes can be
    listed from an app made without one, as the contract tests do)."""

    def __init__(self, runtime: AgentRuntime) -> None:
        self.runtime = runtime

    @cached_property
    def agent(self) -> Agent:
        return self.runtime.agent

    @cached_property
    def desk(self) -> Desk:
        a = self.agent
        return Desk(a.client, a.syncer, a.outbox, a.flows.risk, a.clock)

    @cached_property
    def staff(self) -> StaffBook:
        return StaffBook(self.runtime.db, self.agent.clock)

    @cached_property
    def receipts(self) -> Receipts:
        return Receipts(self.runtime.db, self.runtime.identity.terminal_id)

    def earlier(self, request_id: str | None) -> TapResult | None:
        if request_id is None:
            return None
        return self.agent._earlier(ValueRequest("redeem", 0, request_id=request_id))

    def has_card(self, tx_id: str) -> bool:
        entry = self.agent.outbox.get(tx_id)
        return entry is not None and entry.msg.card is not None

    def receipt(self, found: Receipt) -> c.Receipt:
        identity = self.runtime.identity
        return c.Receipt(**asdict(found), terminal=identity.terminal_id, store=identity.store_id)


def _error(code: c.ErrorCode, detail: str) -> JSONResponse:
    body = c.ErrorAnswer(error=code, detail=detail).model_dump(mode="json")
    return JSONResponse(body, status_code=c.ERROR_STATUS[code])


def _down(exc: LedgerDown) -> JSONResponse:
    return _error(c.ErrorCode.LEDGER_UNAVAILABLE, str(exc))


def counter_routes(app: FastAPI, runtime: AgentRuntime, serve: Serve) -> None:
    """`serve`: the agent API's registration of a contract route (api._serve)."""
    parts = CounterParts(runtime)
    _ledger_routes(app, parts, serve)
    _receipt_routes(app, parts, serve)
    _shift_routes(app, parts, serve)


def _operation(result: TapResult) -> c.OperationResult:
    return c.OperationResult.model_validate(result.to_json())


def _ledger_routes(app: FastAPI, parts: CounterParts, serve: Serve) -> None:
    @serve(app, c.PROGRAMS)
    def programs() -> c.CardPrograms | JSONResponse:
        try:
            found = parts.desk.programs()
        except LedgerDown as exc:
            return _down(exc)
        return c.CardPrograms(programs=[c.CardProgram(**p.model_dump()) for p in found.programs])

    @serve(app, c.QUOTE_CODE)
    def quote(body: c.CodeQuoteRequest) -> c.CodeQuote | JSONResponse:
        try:
            found = parts.desk.quote(QuoteRequest(**body.model_dump()))
        except LedgerDown as exc:
            return _down(exc)
        return c.CodeQuote(**found.model_dump())

    @serve(app, c.REDEEM_CODE)
    def redeem(body: c.CodeRedeemRequest) -> c.OperationResult | JSONResponse:
        try:
            done = parts.desk.redeem_code(body.code, body.purchase_amount, body.amount,
                                          body.request_id, parts.earlier)  # fmt: skip
        except LedgerDown as exc:
            return _down(exc)
        return _operation(done)

    @serve(app, c.SELL_CODE)
    def sell(body: c.CodeSellRequest) -> c.OperationResult | JSONResponse:
        try:
            done = parts.desk.sell_code(body.code, body.request_id, parts.earlier)
        except LedgerDown as exc:
            return _down(exc)
        return _operation(done)

    @serve(app, c.VOID)
    def void(body: c.VoidRequest) -> c.OperationResult | JSONResponse:
        try:
            done = parts.desk.void(body.ref, body.request_id, parts.earlier, parts.has_card)
        except LedgerDown as exc:
            return _down(exc)
        return _operation(done)


def _receipt_routes(app: FastAPI, parts: CounterParts, serve: Serve) -> None:
    @serve(app, c.RECEIPTS)
    def receipts(
        number: Text = None, instrument: Text = None, since: Epoch = None, until: Epoch = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> c.ReceiptList:  # fmt: skip
        found = parts.receipts.search(number=number, instrument=instrument, since=since,
                                      until=until, limit=limit)  # fmt: skip
        return c.ReceiptList(receipts=[parts.receipt(r) for r in found])

    @serve(app, c.RECEIPT)
    def receipt(tx_id: str) -> c.Receipt | JSONResponse:
        found = parts.receipts.get(tx_id[:64])
        if found is None:
            return _error(c.ErrorCode.NOT_FOUND, f"no transaction {tx_id[:64]} on this till")
        return parts.receipt(found)


def _report(parts: CounterParts, shift_id: int) -> c.ShiftReport:
    report = parts.receipts.shift_report(shift_id)
    assert report is not None, "a shift the agent just read exists"
    return c.ShiftReport.model_validate(asdict(report))


def _shift_routes(app: FastAPI, parts: CounterParts, serve: Serve) -> None:
    @serve(app, c.STAFF)
    def staff() -> c.StaffList:
        return c.StaffList(staff=[c.StaffEntry(id=m.id, name=m.name)
                                  for m in parts.staff.members()])  # fmt: skip

    @serve(app, c.OPEN_SHIFT)
    def open_shift(body: c.ShiftRequest) -> c.Shift | JSONResponse:
        outcome, member = parts.staff.sign_in(body.staff, body.pin)
        if member is None:
            return _error(_PIN_CODES[outcome], _PIN_DETAIL[outcome])
        opened = parts.runtime.shifts.open(member.name, body.opening_float)
        return c.Shift(id=opened.id, staff=opened.staff, opened_at=opened.opened_at)

    @serve(app, c.SHIFT_REPORT)
    def shift_report() -> c.ShiftReport:
        return _report(parts, parts.runtime.shifts.ensure().id)

    @serve(app, c.CLOSE_SHIFT)
    def close_shift(body: c.CloseShiftRequest) -> c.ShiftReport | JSONResponse:
        outcome, member = parts.staff.sign_in(body.staff, body.pin)
        if member is None:
            return _error(_PIN_CODES[outcome], _PIN_DETAIL[outcome])
        current = parts.runtime.shifts.current()
        if current is None:
            return _error(c.ErrorCode.NOT_FOUND, "no shift is open")
        parts.runtime.shifts.close(body.counted_cash)
        parts.runtime.loop.wake.set()  # its (Z) report goes to the ledger now
        return _report(parts, current.id)
