"""Receipts: a printable 80 mm receipt for every operation of this till, the search for one
(receipt number, card, day), and from the receipt found: refund (a card's sale, with the card)
or void (a code's redemption: the voucher's use, the gift value, the entry come back)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse

from reader_agent.contract import Receipt
from terminals.common.receipts import qr_svg
from terminals.counter.agent_client import AgentError
from terminals.counter.once import SaleIdReused
from terminals.counter.outcomes import from_answer, from_error
from terminals.counter.pages import Counter, CounterDep, LangDep, page, render, same_origin
from terminals.counter.receipt_view import layout, listed
from terminals.counter.text import t

router = APIRouter()
NAV = [("/receipts", "receipts")]
ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
Criterion = Annotated[str, Query(max_length=64)]


def _day_range(day: str, offset_h: int) -> tuple[int, int] | None:
    """'2026-12-02' (the date field's value) -> that local day as [since, until) epochs."""
    try:
        start = date.fromisoformat(day)
    except ValueError:
        return None
    zone = timezone(timedelta(hours=offset_h))
    since = int(datetime(start.year, start.month, start.day, tzinfo=zone).timestamp())
    return since, since + 86_400


@router.get("/receipts", response_class=HTMLResponse)
def search(
    counter: CounterDep, lang: LangDep, number: Criterion = "", card: Criterion = "",
    day: Criterion = "",
) -> HTMLResponse:  # fmt: skip
    criteria = {"number": number.strip(), "card": card.strip(), "day": day.strip()}
    errors: list[str] = []
    span = _day_range(criteria["day"], counter.settings.utc_offset_h) if criteria["day"] else None
    if criteria["day"] and span is None:
        errors.append(t(lang, "search_day_bad"))
    found: list[Receipt] | None = None
    problem = None
    if any(criteria.values()) and not errors:
        try:
            found = counter.client.receipts(
                number=criteria["number"], instrument=criteria["card"],
                since=span[0] if span else None, until=span[1] if span else None, limit=50,
            ).receipts  # fmt: skip
        except AgentError as exc:
            problem = from_error(lang, exc)
    elif not any(criteria.values()):
        try:  # nothing asked yet: this till's latest, the one staff most often want
            found = counter.client.receipts(limit=10).receipts
        except AgentError as exc:
            problem = from_error(lang, exc)
    return render(counter, lang, "/receipts", "receipts.html", criteria=criteria, errors=errors,
                  found=found, problem=problem, listed=lambda r: listed(lang, r))  # fmt: skip


def _receipt_or_error(counter: Counter, lang: str, tx_id: str) -> Receipt | HTMLResponse:
    try:
        if not ID.fullmatch(tx_id):
            raise AgentError("not_found", tx_id[:64])
        return counter.client.receipt(tx_id)
    except AgentError as exc:
        missing = AgentError("result_not_found", tx_id[:64]) if exc.code == "not_found" else exc
        return render(counter, lang, "/receipts", "receipts.html", criteria={}, errors=[],
                      found=None, problem=from_error(lang, missing), status_code=404)  # fmt: skip


@router.get("/receipts/{tx_id}", response_class=HTMLResponse)
def receipt_page(counter: CounterDep, lang: LangDep, tx_id: str) -> HTMLResponse:
    """The receipt as printed (the page is the print: 80 mm wide, no menu on paper)."""
    found = _receipt_or_error(counter, lang, tx_id)
    if isinstance(found, HTMLResponse):
        return found
    doc = layout(lang, found, counter.settings)
    body = page(counter, lang, "receipt.html", receipt=found, doc=doc, qr=qr_svg(doc.number),
                void_id="void-" + uuid.uuid4().hex)  # fmt: skip
    return HTMLResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/receipts/{tx_id}/void", response_class=HTMLResponse,
             dependencies=[Depends(same_origin)])  # fmt: skip
def void(
    counter: CounterDep, lang: LangDep, tx_id: str,
    request_id: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:  # fmt: skip
    """Void a code's redemption found by its receipt (one request id per button drawn)."""
    if not ID.fullmatch(tx_id) or not ID.fullmatch(request_id):
        return receipt_page(counter, lang, tx_id)
    try:
        once = counter.sales.run(request_id, ("void", tx_id),
                                 lambda: counter.client.void(tx_id, request_id))  # fmt: skip
        outcome = from_answer(lang, once.answer, repeated=once.repeated)
    except SaleIdReused:
        return receipt_page(counter, lang, tx_id)
    except AgentError as exc:
        outcome = from_error(lang, exc)
    return render(counter, lang, "/receipts", "code_outcome.html", outcome=outcome)
