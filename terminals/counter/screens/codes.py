"""The codes screen: a voucher, gift card code or e-ticket shown at the till, by the scanner (a
keyboard wedge: the page's script sends a fast burst of keys ending in Enter here from any
screen), the camera (frames decoded here, by the QR library the ledger uses) or typed.

1. quote: the code and the sale amount go to the ledger (through the agent), whose own rules
   say what the code takes off and what the customer pays, or why it cannot be used;
2. redeem: for exactly the amount shown, under a sale id chosen when the quote was drawn (a
   double click or a retry redeems once; the ledger refuses a second use at another till).
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from reader_agent.contract import CodeQuote
from terminals.counter.agent_client import AgentError
from terminals.counter.once import SaleIdReused
from terminals.counter.outcomes import Outcome, Tone, describe, from_answer, from_error
from terminals.counter.pages import Counter, CounterDep, LangDep, render, same_origin
from terminals.counter.text import (
    QUICK_AMOUNTS,
    AmountError,
    amount_problem,
    dong,
    parse_amount,
    t,
    when,
)

router = APIRouter()
NAV = [("/codes", "codes")]
ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
CODE_MAX = 1200  # a QR payload's most (cardsvc.protocol.qr.MAX_PAYLOAD_CHARS)
FRAME_MAX = 3_000_000  # bytes of one camera frame (a JPEG of a 1080p frame is far less)
CodeField = Annotated[str, Form(max_length=CODE_MAX)]
FieldText = Annotated[str, Form(max_length=200)]
RECEIPT_NUMBER = re.compile(r"[A-Za-z0-9_.:\-]+-\d{6}")  # a receipt's QR (S1-QUAY1-000042)


@dataclass
class CodeForm:
    code: str = ""
    purchase: str = ""  # the sale amount as typed
    spend: str = ""  # gift cards: the part to spend, as typed (empty: as much as it can)
    request_id: str = field(default_factory=lambda: "code-" + uuid.uuid4().hex)
    errors: list[str] = field(default_factory=list)


def _spoken(code: str) -> str:
    """What was scanned or typed, without the line ends scanners add. Spaces stay at the end:
    a QR payload may end with one (base45); a typed code ignores them anyway."""
    return code.lstrip(" ").strip("\r\n\t")


def _quote_rows(lang: str, quote: CodeQuote, offset: int) -> list[tuple[str, str]]:
    rows = []
    if quote.kind:
        rows.append((t(lang, "q_kind"), t(lang, "kind_" + quote.kind)))
    if quote.name:
        rows.append((t(lang, "q_program"), quote.name))
    if quote.discount_bp:
        percent = f"{quote.discount_bp / 100:g} %".replace(".", "," if lang == "vi" else ".")
        cap = f" ({t(lang, 'q_cap')} {dong(quote.discount_cap)})" if quote.discount_cap else ""
        rows.append((t(lang, "q_discount_rule"), percent + cap))
    if quote.balance is not None and quote.kind != "eticket":
        rows.append((t(lang, "q_balance"), dong(quote.balance)))
    if quote.min_spend:
        rows.append((t(lang, "q_min_spend"), dong(quote.min_spend)))
    if quote.uses_left is not None:
        rows.append((t(lang, "q_uses_left"), str(quote.uses_left)))
    if quote.valid_until is not None:
        rows.append((t(lang, "q_valid_until"), when(quote.valid_until, offset)))
    if quote.purchase_amount:
        rows.append((t(lang, "q_purchase"), dong(quote.purchase_amount)))
    if quote.code == "ok" and quote.kind != "eticket":
        rows.append((t(lang, "q_takes_off"), dong(quote.amount)))
        rows.append((t(lang, "q_to_pay"), dong(quote.to_pay)))
    return rows


def _form_page(counter: Counter, lang: str, form: CodeForm, *, quote: CodeQuote | None = None,
               problem: Outcome | None = None, status_code: int = 200) -> HTMLResponse:  # fmt: skip
    rows = _quote_rows(lang, quote, counter.settings.utc_offset_h) if quote else []
    message = describe(lang, quote.code) if quote and quote.code != "ok" else ""
    return render(counter, lang, "/codes", "codes.html", status_code, form=form, quote=quote,
                  rows=rows, refusal=message, problem=problem, quick=QUICK_AMOUNTS)  # fmt: skip


def _amounts(lang: str, form: CodeForm) -> tuple[int, int | None]:
    """(sale amount, gift spend or None), or form.errors filled in."""
    purchase, spend = 0, None
    try:
        purchase = parse_amount(form.purchase, allow_zero=True) if form.purchase else 0
    except AmountError as exc:
        form.errors.append(amount_problem(lang, exc))
    try:
        spend = parse_amount(form.spend) if form.spend else None
    except AmountError as exc:
        form.errors.append(amount_problem(lang, exc))
    return purchase, spend


@router.get("/codes", response_class=HTMLResponse, response_model=None)
def codes_screen(
    counter: CounterDep, lang: LangDep, code: str = "", amount: str = ""
) -> Response:
    """The screen; with `code` (a scan from another screen) the code is quoted at once."""
    form = CodeForm(_spoken(code[:CODE_MAX]), amount[:40])
    if RECEIPT_NUMBER.fullmatch(form.code):  # a receipt's QR: find the receipt
        return RedirectResponse(f"/receipts?number={form.code}", status_code=303)
    if form.code:
        return _quote(counter, lang, form)
    return _form_page(counter, lang, form)


def _quote(counter: Counter, lang: str, form: CodeForm) -> HTMLResponse:
    purchase, spend = _amounts(lang, form)
    if not form.code:
        form.errors.append(t(lang, "code_missing"))
    if form.errors:
        return _form_page(counter, lang, form, status_code=422)
    try:
        quote = counter.client.quote(form.code, purchase, spend)
    except AgentError as exc:
        return _form_page(counter, lang, form, problem=from_error(lang, exc))
    return _form_page(counter, lang, form, quote=quote)


@router.post("/codes/quote", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def quote_code(
    counter: CounterDep, lang: LangDep, code: CodeField = "", purchase: FieldText = "",
    spend: FieldText = "",
) -> HTMLResponse:  # fmt: skip
    return _quote(counter, lang, CodeForm(_spoken(code), purchase.strip(), spend.strip()))


@router.post("/codes/redeem", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def redeem_code(
    counter: CounterDep, lang: LangDep, code: CodeField = "", purchase: FieldText = "",
    amount: FieldText = "", request_id: FieldText = "",
) -> HTMLResponse:  # fmt: skip
    form = CodeForm(_spoken(code), purchase.strip(), request_id=request_id.strip())
    sale, _ = _amounts(lang, form)
    taken = int(amount) if amount.isdigit() and len(amount) <= 13 else -1
    if not form.code or taken < 0 or not ID.fullmatch(form.request_id):
        form.errors.append(t(lang, "invalid"))
        return _form_page(counter, lang, CodeForm(form.code, form.purchase, errors=form.errors),
                          status_code=422)  # fmt: skip
    content = ("code", form.code, sale, taken)
    try:
        once = counter.sales.run(
            form.request_id, content,
            lambda: counter.client.redeem_code(form.code, sale, taken, form.request_id),
        )  # fmt: skip
    except SaleIdReused:
        fresh = CodeForm(form.code, form.purchase, errors=[t(lang, "sale_id_reused")])
        return _form_page(counter, lang, fresh, status_code=409)
    except AgentError as exc:
        return _outcome(counter, lang, form, from_error(lang, exc), sale, taken)
    return _outcome(counter, lang, form, from_answer(lang, once.answer, repeated=once.repeated),
                    sale, taken)  # fmt: skip


@router.post("/codes/sell", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def sell_gift(
    counter: CounterDep, lang: LangDep, code: CodeField = "", request_id: FieldText = ""
) -> HTMLResponse:
    """Sell a printed gift card by its code, for its face value in cash."""
    form = CodeForm(_spoken(code), request_id=request_id.strip())
    if not form.code or not ID.fullmatch(form.request_id):
        return _form_page(counter, lang, CodeForm(form.code, errors=[t(lang, "invalid")]),
                          status_code=422)  # fmt: skip
    try:
        once = counter.sales.run(form.request_id, ("sell", form.code),
                                 lambda: counter.client.sell_code(form.code, form.request_id))
    except SaleIdReused:
        return _form_page(counter, lang, CodeForm(form.code, errors=[t(lang, "sale_id_reused")]),
                          status_code=409)  # fmt: skip
    except AgentError as exc:
        return _outcome(counter, lang, form, from_error(lang, exc), 0, 0)
    outcome = from_answer(lang, once.answer, repeated=once.repeated)
    return _outcome(counter, lang, form, outcome, 0, 0)


def _outcome(counter: Counter, lang: str, form: CodeForm, outcome: Outcome, sale: int,
             taken: int) -> HTMLResponse:  # fmt: skip
    if outcome.tone is not Tone.ERROR and sale:
        outcome.rows[:0] = [(t(lang, "q_purchase"), dong(sale)),
                            (t(lang, "q_takes_off"), dong(taken)),
                            (t(lang, "q_to_pay"), dong(sale - taken))]  # fmt: skip
    return render(counter, lang, "/codes", "code_outcome.html", form=form, outcome=outcome)


@router.post("/codes/frame", dependencies=[Depends(same_origin)])
async def decode_frame(request: Request) -> JSONResponse:
    """One camera frame (JPEG or PNG) -> the QR code's text in it, if any. Decoded here with
    zxing-cpp, the library the ledger decodes printed codes with; the page sends a few frames
    a second until one decodes."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FRAME_MAX:
            return JSONResponse({"text": None, "error": "frame too large"}, status_code=413)
    return JSONResponse({"text": decode_qr(body)})


def decode_qr(image: bytes) -> str | None:
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image)) as picture:
            found = zxingcpp.read_barcodes(picture.convert("L"))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    texts = [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode and b.text]
    return texts[0][:CODE_MAX] if texts else None
