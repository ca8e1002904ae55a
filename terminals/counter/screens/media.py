"""The "Thay thẻ / Replace card" screen: staff replace a customer's lost, stolen or damaged
card. They type the old card's number (printed on it, or on the customer's receipt) and look it
up; a damaged card that still answers is tapped to read its purse; then the new card is tapped
and the agent replaces the old one at the ledger. The receipt says what happens to the value:
the old card is refused at once everywhere, and its value moves to the new card when the
holding window closes (late offline taps of the old card are counted first).

The replacement id is made when the form is shown: a retried submit (a double click, a reload)
gets the first receipt from the ledger, never a second replacement.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from reader_agent import contract as c
from terminals.counter.agent_client import AgentError
from terminals.counter.outcomes import from_error
from terminals.counter.pages import Counter, CounterDep, LangDep, render, same_origin
from terminals.counter.text import dong, t, when

router = APIRouter()
PATH, TEMPLATE = "/media", "media.html"
NAV = ((PATH, "media"),)
REASONS = ("lost", "stolen", "damaged")
_UID = re.compile(r"^[0-9A-F]{8,20}$")
_ID = re.compile(r"^[0-9a-f]{32}$")
Text = Annotated[str, Form(max_length=64)]


@dataclass
class MediaForm:
    uid: str = ""
    reason: str = "lost"
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    value: str = ""  # a damaged card's reading, carried between steps
    counter: str = ""
    errors: list[str] = field(default_factory=list)


def _uid(typed: str) -> str:
    return typed.strip().replace(" ", "").replace(":", "").upper()


def _page(counter: Counter, lang: str, form: MediaForm, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("card", None)
    ctx.setdefault("receipt", None)
    ctx.setdefault("error", None)
    return render(counter, lang, PATH, TEMPLATE, form=form, reasons=REASONS, **ctx)


def _card_rows(lang: str, card: c.CardRecord) -> list[tuple[str, str]]:
    return [
        (t(lang, "media_number"), card.uid),
        (t(lang, "media_state"), t(lang, "media_state_" + card.state)
         if card.state in (*REASONS, "active", "replaced") else card.state),
        (t(lang, "media_instrument"), card.instrument),
        (t(lang, "media_balance"), dong(card.balance)),
    ]  # fmt: skip


def _receipt_rows(lang: str, r: c.ReplaceAnswer, offset_h: int) -> list[tuple[str, str]]:
    rows = [
        (t(lang, "media_old"), r.old_uid), (t(lang, "media_new"), r.new_uid),
        (t(lang, "media_reason"), t(lang, "reason_" + r.reason)),
        (t(lang, "media_held"), dong(r.held_amount)),
    ]  # fmt: skip
    if r.state == "holding":
        rows.append((t(lang, "media_moves_at"), when(r.window_until, offset_h)))
    if r.moved is not None:
        rows.append((t(lang, "media_moved"), dong(r.moved)))
    return rows


def _checked(form: MediaForm, lang: str) -> bool:
    """Bound and check what staff typed; the reasons go on the form in their language."""
    if not _UID.match(form.uid):
        form.errors.append(t(lang, "media_uid_bad"))
    if form.reason not in REASONS:
        form.errors.append(t(lang, "media_reason_bad"))
    if not _ID.match(form.request_id):
        form.request_id = uuid.uuid4().hex
    return not form.errors


@router.get(PATH, response_class=HTMLResponse)
def media_screen(counter: CounterDep, lang: LangDep) -> HTMLResponse:
    return _page(counter, lang, MediaForm())


@router.post(PATH + "/look", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def look(counter: CounterDep, lang: LangDep, uid: Text, reason: Text,
         request_id: Text = "") -> HTMLResponse:  # fmt: skip
    form = MediaForm(_uid(uid), reason, request_id or uuid.uuid4().hex)
    if not _checked(form, lang):
        return _page(counter, lang, form)
    try:
        card = counter.client.card(form.uid)
    except AgentError as exc:
        return _page(counter, lang, form, error=from_error(lang, exc))
    if card.state != "active":
        form.errors.append(t(lang, "card_medium_blocked"))
    return _page(counter, lang, form, card=card, rows=_card_rows(lang, card))


@router.post(PATH + "/read", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def read(counter: CounterDep, lang: LangDep, uid: Text, reason: Text,
         request_id: Text = "") -> HTMLResponse:  # fmt: skip
    """A damaged card that still answers: tap it; its purse goes with the replacement."""
    form = MediaForm(_uid(uid), reason, request_id)
    if not _checked(form, lang):
        return _page(counter, lang, form)
    try:
        card = counter.client.card(form.uid)
        seen = counter.client.tap()
    except AgentError as exc:
        return _page(counter, lang, form, error=from_error(lang, exc))
    if seen.uid != form.uid:
        form.errors.append(t(lang, "media_read_other", uid=seen.uid))
    elif seen.card_value is None or seen.card_counter is None:
        form.errors.append(t(lang, "media_read_none"))
    else:
        form.value, form.counter = str(seen.card_value), str(seen.card_counter)
    return _page(counter, lang, form, card=card, rows=_card_rows(lang, card))


@router.post(PATH + "/replace", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def replace(counter: CounterDep, lang: LangDep, uid: Text, reason: Text, request_id: Text,
            value: Text = "", card_counter: Annotated[str, Form(max_length=12)] = "",
            ) -> HTMLResponse:  # fmt: skip
    form = MediaForm(_uid(uid), reason, request_id, value, card_counter)
    if not _checked(form, lang):
        return _page(counter, lang, form)
    fields: dict[str, object] = {"old_uid": form.uid, "reason": form.reason,
                                 "request_id": form.request_id}  # fmt: skip
    if form.reason == "damaged" and form.value.isdigit() and form.counter.isdigit():
        fields["reading"] = {"value": int(form.value), "counter": int(form.counter)}
    try:
        receipt = counter.client.replace(fields)
    except AgentError as exc:
        return _retry_page(counter, lang, form, exc)
    rows = _receipt_rows(lang, receipt, counter.settings.utc_offset_h)
    return _page(counter, lang, MediaForm(), receipt=receipt, receipt_rows=rows)


def _retry_page(counter: Counter, lang: str, form: MediaForm, exc: AgentError) -> HTMLResponse:
    """The replacement did not answer: the card and the same form again, so staff retry under
    the same replacement id (the ledger answers the first receipt if it did happen)."""
    error = from_error(lang, exc)
    try:
        card = counter.client.card(form.uid)
    except AgentError:
        return _page(counter, lang, form, error=error)
    if card.state != "active":  # it did happen: the receipt is the ledger's
        form.errors.append(t(lang, "media_retry_done"))
    return _page(counter, lang, form, error=error, card=card, rows=_card_rows(lang, card))
