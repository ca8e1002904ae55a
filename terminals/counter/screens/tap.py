"""The "Chạm thẻ / Tap card" screen: wait for the customer's tap and show what the card
holds (kind, balance on the card and in the ledger, status, member points)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from terminals.counter.agent_client import AgentError
from terminals.counter.card_view import card_view
from terminals.counter.outcomes import from_error
from terminals.counter.pages import CounterDep, LangDep, render, same_origin

router = APIRouter()
NAV = [("/tap", "tap")]


@router.get("/tap", response_class=HTMLResponse)
def tap_screen(counter: CounterDep, lang: LangDep) -> HTMLResponse:
    return render(counter, lang, "/tap", "tap.html", card=None, error=None)


@router.post("/tap", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def tap(counter: CounterDep, lang: LangDep) -> HTMLResponse:
    try:
        seen = counter.client.tap()
    except AgentError as exc:
        return render(counter, lang, "/tap", "tap.html", card=None, error=from_error(lang, exc))
    view = card_view(lang, seen, counter.settings.utc_offset_h)
    return render(counter, lang, "/tap", "tap.html", card=view, error=None)
