"""Shifts: staff sign in with their PIN to open one (the agent caps offline spending per shift
and puts the shift on every receipt); the current shift's cash report; close with the report;
handover (the next staff member signs in: the open shift closes with its report, theirs opens).
Staff are the till's (`reader-agent staff add`), chosen from a list, never typed."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from reader_agent.contract import ShiftReport, StaffEntry
from terminals.counter.agent_client import AgentError
from terminals.counter.outcomes import Outcome, from_error
from terminals.counter.pages import Counter, CounterDep, LangDep, render, same_origin
from terminals.counter.text import AmountError, amount_problem, parse_amount, t

router = APIRouter()
NAV = [("/shift", "shift")]
STAFF_ID = re.compile(r"[A-Za-z0-9_.\-]{1,32}")
PIN = re.compile(r"\d{4,8}")
FieldText = Annotated[str, Form(max_length=64)]


def _staff(counter: Counter) -> list[StaffEntry]:
    try:
        return counter.client.staff().staff
    except AgentError:
        return []


def _report(counter: Counter) -> ShiftReport | None:
    try:
        return counter.client.shift_report()
    except AgentError:
        return None


def _page(counter: Counter, lang: str, *, message: str | None = None, tone: str = "ok",
          closed: ShiftReport | None = None, status_code: int = 200) -> HTMLResponse:  # fmt: skip
    report = _report(counter)
    current = report if report is not None and report.staff != "agent" else None
    return render(counter, lang, "/shift", "shift.html", status_code, message=message, tone=tone,
                  staff=_staff(counter), current=current, closed=closed)  # fmt: skip


def _sign_in_problem(lang: str, staff: str, pin: str) -> str | None:
    if not STAFF_ID.fullmatch(staff):
        return t(lang, "shift_staff_missing")
    if not PIN.fullmatch(pin):
        return t(lang, "shift_pin_bad")
    return None


def _cash(lang: str, typed: str) -> int | str | None:
    """A typed amount of cash in đồng (None: left empty), or what is wrong with it."""
    if not typed.strip():
        return None
    try:
        return parse_amount(typed, allow_zero=True)
    except AmountError as exc:
        return amount_problem(lang, exc)


def _refusal(lang: str, exc: AgentError) -> Outcome:
    return from_error(lang, exc)


@router.get("/shift", response_class=HTMLResponse)
def shift_screen(counter: CounterDep, lang: LangDep) -> HTMLResponse:
    return _page(counter, lang)


@router.post("/shift", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def open_shift(
    counter: CounterDep, lang: LangDep, staff: FieldText = "", pin: FieldText = "",
    opening_float: FieldText = "",
) -> HTMLResponse:  # fmt: skip
    """Open a shift with the cash in the drawer (a handover when one is open: it closes with
    its report)."""
    problem = _sign_in_problem(lang, staff.strip(), pin.strip())
    cash = _cash(lang, opening_float)
    if problem or isinstance(cash, str):
        return _page(counter, lang, message=problem or str(cash), tone="error", status_code=422)
    before = _report(counter)
    try:
        opened = counter.client.open_shift(staff.strip(), pin.strip(), cash or 0)
    except AgentError as exc:
        return _page(counter, lang, message=_refusal(lang, exc).message, tone="error",
                     status_code=403 if exc.status in (403, 429) else 200)  # fmt: skip
    closed = before if before is not None and before.staff != "agent" else None
    return _page(counter, lang, message=t(lang, "shift_opened", staff=opened.staff),
                 closed=closed)  # fmt: skip


@router.post("/shift/close", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def close_shift(
    counter: CounterDep, lang: LangDep, staff: FieldText = "", pin: FieldText = "",
    counted_cash: FieldText = "",
) -> HTMLResponse:  # fmt: skip
    """Close the shift with the cash counted: its (Z) report goes to the ledger."""
    problem = _sign_in_problem(lang, staff.strip(), pin.strip())
    counted = _cash(lang, counted_cash)
    if problem or isinstance(counted, str):
        return _page(counter, lang, message=problem or str(counted), tone="error",
                     status_code=422)  # fmt: skip
    try:
        report = counter.client.close_shift(staff.strip(), pin.strip(), counted)
    except AgentError as exc:
        return _page(counter, lang, message=_refusal(lang, exc).message, tone="error",
                     status_code=403 if exc.status in (403, 429) else 200)  # fmt: skip
    return _page(counter, lang, message=t(lang, "shift_closed", staff=report.staff),
                 closed=report)  # fmt: skip
