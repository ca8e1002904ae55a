"""The shift screen: open a shift with the staff member's name (the agent caps offline
spending per shift and closes the previous shift when a new one opens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from terminals.counter.agent_client import AgentError
from terminals.counter.outcomes import from_error
from terminals.counter.pages import CounterDep, LangDep, render, same_origin
from terminals.counter.text import t

router = APIRouter()
STAFF_MAX = 64


@router.get("/shift", response_class=HTMLResponse)
def shift_form(counter: CounterDep, lang: LangDep) -> HTMLResponse:
    return render(counter, lang, "/shift", "shift.html", message=None, tone="ok", staff="")


@router.post("/shift", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def open_shift(
    counter: CounterDep, lang: LangDep, staff: Annotated[str, Form(max_length=200)] = ""
) -> HTMLResponse:
    name = " ".join(staff.split())  # what was typed, without stray spaces
    if not 0 < len(name) <= STAFF_MAX:
        return render(counter, lang, "/shift", "shift.html", 422,
                      message=t(lang, "shift_staff_bad"), tone="error", staff=name)  # fmt: skip
    try:
        opened = counter.client.open_shift(name)
    except AgentError as exc:
        failed = from_error(lang, exc)
        return render(counter, lang, "/shift", "shift.html", message=failed.message,
                      tone="error", staff=name)  # fmt: skip
    done = t(lang, "shift_opened", staff=opened.staff)
    return render(counter, lang, "/shift", "shift.html", message=done, tone="ok", staff="")
